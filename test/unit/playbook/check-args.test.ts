/**
 * Literal arguments checked while loading (core/playbook/check-args.ts), with the real
 * built-in modules' schemas: positions of keys and k=v words, templates left for run time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ModuleRegistry } from '../../../core/modules/registry.js';
import { compileModuleSchema, requiredNotDeclared, SchemaError } from '../../../core/modules/validate-args.js';
import type { LoadOptions } from '../../../core/playbook/load.js';
import { errorsOf, loadText, positions } from './helpers.js';

let opts: Partial<LoadOptions>;
let registry: ModuleRegistry;

beforeAll(async () => {
  registry = await ModuleRegistry.create();
  opts = {
    isModule: (n) => registry.has(n),
    suggestModules: (n) => registry.suggest(n),
    freeFormOf: (n) => registry.info(n)?.freeForm,
    moduleSignature: (n) => registry.signature(n),
  };
});

const play = (tasks: string) => `- hosts: all\n  tasks:\n${tasks}`;

describe('literal arguments checked when the playbook loads', () => {
  it('points at the key, the k=v word, the value, or the module for a missing argument; all at once', async () => {
    const err = await errorsOf(
      play(`    - copy: src=a   dest=/x  bakup=yes
    - file:
        path: /x
        state: directoy
    - sysctl: { value: 1 }
    - action: file path=/x stat=touch
`),
      {},
      opts,
    );
    expect(positions(err).map((p) => p.replace(/ \(supported: .*\)$/, ''))).toEqual([
      "3:30: copy: unsupported argument 'bakup' - did you mean 'backup'?",
      '6:16: file: argument \'state\' must be one of: file, directory, link, hard, absent, touch (got "directoy") - did you mean \'directory\'?',
      "7:7: sysctl: missing required argument 'name'",
      "8:28: file: unsupported argument 'stat' - did you mean 'state'?",
    ]);
  });

  it('finds a k=v word inside a | block and a quoted string', async () => {
    const err = await errorsOf(play(`    - copy: |
        src=a
          dest=/x  mdoe=0644
    - copy: "src=a dets=/x"
`), {}, opts);
    expect(positions(err).map((p) => p.split(' - ')[0])).toEqual(["5:20: copy: unsupported argument 'mdoe'", "6:20: copy: unsupported argument 'dets'"]);
  });

  it('leaves templated values, and rules that depend on them, to the run-time check', async () => {
    await expect(
      loadText(
        play(`    - file: { path: "{{ p }}", state: "{{ s }}", mode: "{{ m }}" }
    - copy: "{{ copy_args }}"
    - systemd: { daemon_reload: "{{ reload }}" }
    - copy: src={{ s }} dest=/x backup={{ b }}
    - debug: { msg: "{{ x }}", verbosity: "{{ v }}" }
`),
        {},
        opts,
      ),
    ).resolves.toBeDefined();
    // A templated value does not hide a mistake beside it.
    const err = await errorsOf(play('    - file: { path: "{{ p }}", sate: touch }\n'), {}, opts);
    expect(positions(err)).toHaveLength(1);
    expect(positions(err)[0]).toMatch(/^3:32: file: unsupported argument 'sate' - did you mean 'state'\?/);
  });

  it('free-form modules: the text goes to its argument; their options are checked; a module without free form says so', async () => {
    await expect(loadText(play('    - command: /bin/echo a=b chdir=/tmp\n    - shell: "echo {{ x }} > /tmp/y"\n      args: { creates: /tmp/y }\n'), {}, opts)).resolves.toBeDefined();
    const err = await errorsOf(play('    - ping: hello there\n'), {}, opts);
    expect(positions(err)[0]).toMatch(/^3:13: ping: does not take free-form text \("hello there"\): give its arguments as key=value words or a mapping/);
  });

  it('an unknown module is reported at load with a suggestion (not checked further)', async () => {
    const err = await errorsOf(play('    - coppy: { srcc: a }\n'), {}, opts);
    expect(positions(err)).toEqual(["3:7: unknown module 'coppy' - did you mean 'copy'?"]);
  });
});

describe('module schemas in strict mode', () => {
  it('every built-in schema compiles in strict mode and declares what it requires', async () => {
    await registry.loadAll();
    for (const name of registry.names()) {
      const def = registry.get(name)!;
      // A fresh object: the build's precompiled validator must not stand in for compiling.
      expect(() => compileModuleSchema({ name, schema: structuredClone(def.schema) }), name).not.toThrow();
      expect(requiredNotDeclared(def.schema), name).toEqual([]);
    }
  });

  it('names the module and the problem', () => {
    const compile = (schema: Record<string, unknown>) => () => compileModuleSchema({ name: 'm', schema });
    expect(compile({ type: 'object', properties: { a: { type: 'string', minLenght: 1 } } })).toThrow(new SchemaError(`module 'm' has an invalid argument schema: strict mode: unknown keyword: "minLenght"`));
    expect(compile({ type: 'object', properties: { a: { type: 'strin' } } })).toThrow(/module 'm' has an invalid argument schema: schema is invalid: data\/properties\/a\/type must be equal to one of the allowed values/);
    expect(compile({ type: 'object', anyOf: [{ properties: { a: { type: 'string', default: 'x' } } }] })).toThrow(/strict mode: default is ignored/);
    expect(requiredNotDeclared({ type: 'object', properties: { name: {} }, anyOf: [{ required: ['name'] }, { required: ['id'] }] })).toEqual(['required property "id" at "#/anyOf/1" is not declared in properties']);
  });
});
