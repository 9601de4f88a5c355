# Installs the Debian packages the lab needs on this machine, only those missing.
# `apt-get update` runs once first, because a fresh machine's package lists may be stale or empty.

LAB_APT_PACKAGES=(
  debootstrap        # builds the base rootfs
  systemd-container  # systemd-nspawn
  rpm                # rpmbuild, rpm
  createrepo-c       # repository metadata for dnf
  iproute2           # ip netns / link / route
  openssh-client     # ssh-keygen for keys, ssh for readiness checks
  util-linux         # mount, setsid
  procps             # sysctl, ps
  xfsprogs           # mkfs.xfs and xfs_freeze for `lab data-disk`
  ca-certificates
)

deps_install() {
  local missing=() p
  for p in "${LAB_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing missing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}
