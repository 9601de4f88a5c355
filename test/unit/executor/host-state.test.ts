/** The per-host predicted state of a check run. */
import { describe, expect, it } from 'vitest';
import { HostPredictedState } from '../../../core/executor/host-state.js';

describe('HostPredictedState.filesIn', () => {
  it('lists the paths directly in a directory, whatever their predicted state', () => {
    const p = new HostPredictedState();
    p.setFile('/etc/yum.repos.d/xen-c6.repo', Buffer.from('[xen-c6]\n'));
    p.setFile('/etc/yum.repos.d/rdo-release.repo', 'exists');
    p.setFile('/etc/yum.repos.d/old.repo', 'absent');
    p.setFile('/etc/yum.repos.d/sub/deeper.repo', Buffer.from(''));
    p.setFile('/etc/yum.repos.d.bak/x.repo', Buffer.from(''));
    p.setFile('/etc/yum.conf', Buffer.from(''));
    expect(p.filesIn('/etc/yum.repos.d').sort()).toEqual(['/etc/yum.repos.d/old.repo', '/etc/yum.repos.d/rdo-release.repo', '/etc/yum.repos.d/xen-c6.repo']);
    expect(p.filesIn('/etc/yum.repos.d/')).toHaveLength(3);
    expect(p.filesIn('/nowhere')).toEqual([]);
  });
});
