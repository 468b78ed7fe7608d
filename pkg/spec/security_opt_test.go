package spec

import "testing"

func TestApplySecurityOpts(t *testing.T) {
	for _, tc := range []struct {
		opt     string
		seccomp string
		nnp     bool
		mask    []string
		bad     bool
	}{
		{opt: "seccomp=unconfined", seccomp: "unconfined"},
		{opt: "seccomp:unconfined", seccomp: "unconfined"},
		{opt: "seccomp=/etc/p.json", seccomp: "/etc/p.json"},
		{opt: "no-new-privileges", nnp: true},
		{opt: "no-new-privileges=true", nnp: true},
		{opt: "no-new-privileges:true", nnp: true},
		{opt: "no-new-privileges=false"},
		{opt: "mask=/proc/a:/proc/b", mask: []string{"/proc/a", "/proc/b"}},
		{opt: "label=disable"},
		{opt: "label:type:spc_t"},
		{opt: "apparmor=unconfined"},
		{opt: "no-new-privileges=maybe", bad: true},
		{opt: "seccomp=", bad: true},
		{opt: "bogus", bad: true},
		{opt: "", bad: true},
	} {
		var s SecurityOptions
		var p ProcessOptions
		err := ApplySecurityOpts([]string{tc.opt}, &s, &p)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted", tc.opt)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.opt, err)
			continue
		}
		if s.SeccompProfile != tc.seccomp || p.NoNewPrivileges != tc.nnp || len(s.MaskPaths) != len(tc.mask) {
			t.Errorf("%q: seccomp %q nnp %v mask %v", tc.opt, s.SeccompProfile, p.NoNewPrivileges, s.MaskPaths)
		}
	}
}

func FuzzApplySecurityOpts(f *testing.F) {
	for _, s := range []string{"seccomp=unconfined", "no-new-privileges:true", "mask=/a:/b", "label=disable", ":", "="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, opt string) {
		var s SecurityOptions
		var p ProcessOptions
		_ = ApplySecurityOpts([]string{opt}, &s, &p)
	})
}
