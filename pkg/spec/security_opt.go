package spec

import (
	"fmt"
	"strings"
)

// ApplySecurityOpts reads --security-opt values (compose's security_opt and
// an API's HostConfig.SecurityOpt are the same words) into s and p. Podman
// writes KEY=VALUE; Docker and compose also write KEY:VALUE, so both are
// read. This is the one parser of that syntax.
func ApplySecurityOpts(opts []string, s *SecurityOptions, p *ProcessOptions) error {
	for _, opt := range opts {
		if err := applySecurityOpt(opt, s, p); err != nil {
			return err
		}
	}
	return nil
}

func applySecurityOpt(opt string, s *SecurityOptions, p *ProcessOptions) error {
	k, v := splitSecurityOpt(opt)
	switch k {
	case "seccomp":
		if v == "" {
			break
		}
		s.SeccompProfile = v
		return nil
	case "no-new-privileges":
		switch v {
		case "", "true":
			p.NoNewPrivileges = true
			return nil
		case "false":
			p.NoNewPrivileges = false
			return nil
		}
	case "mask":
		s.MaskPaths = append(s.MaskPaths, strings.Split(v, ":")...)
		return nil
	case "unmask":
		s.UnmaskPaths = append(s.UnmaskPaths, strings.Split(v, ":")...)
		return nil
	case "label", "apparmor":
		// Roost uses neither SELinux labels nor AppArmor profiles:
		// accepted so that files written for Podman and Docker still run.
		return nil
	}
	return fmt.Errorf("invalid --security-opt %q: use seccomp=unconfined|PATH, no-new-privileges, mask=PATHS, unmask=PATHS or label=disable", opt)
}

// splitSecurityOpt cuts at the first = or, in Docker's older spelling, the
// first : (mask=/a:/b keeps its colons: = comes first there).
func splitSecurityOpt(opt string) (string, string) {
	i := strings.IndexAny(opt, "=:")
	if i < 0 {
		return opt, ""
	}
	return opt[:i], opt[i+1:]
}
