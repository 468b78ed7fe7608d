// Package seccomp compiles an OCI seccomp profile to the BPF program the
// kernel loads, with the system's libseccomp and the very calls crun makes,
// so that crun can be handed the program (annotation
// run.oci.seccomp_bpf_data) instead of compiling the same default profile
// again at every container start: that compilation was the largest part of
// crun's work for a container (about 15 ms of CPU here). libseccomp is
// opened at run time (dlopen): Roost builds without its headers, and where it
// is missing the profile simply stays crun's to compile.
package seccomp

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

// The ABI of libseccomp.so.2 (seccomp.h), declared here since Roost builds
// without the development package.
struct roost_scmp_arg_cmp {
	unsigned int arg;
	int op;
	uint64_t datum_a;
	uint64_t datum_b;
};
struct roost_scmp_version {
	unsigned int major, minor, micro;
};

static void *lib;
static void *(*p_init)(uint32_t);
static int (*p_arch_add)(void *, uint32_t);
static uint32_t (*p_arch_resolve_name)(const char *);
static int (*p_syscall_resolve_name)(const char *);
static int (*p_rule_add_array)(void *, uint32_t, int, unsigned int, const struct roost_scmp_arg_cmp *);
static int (*p_export_bpf)(void *, int);
static void (*p_release)(void *);
static const struct roost_scmp_version *(*p_version)(void);

// roost_scmp_open loads libseccomp once; 0 when usable.
static int roost_scmp_open(void) {
	if (lib != NULL)
		return 0;
	void *h = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return -1;
	p_init = dlsym(h, "seccomp_init");
	p_arch_add = dlsym(h, "seccomp_arch_add");
	p_arch_resolve_name = dlsym(h, "seccomp_arch_resolve_name");
	p_syscall_resolve_name = dlsym(h, "seccomp_syscall_resolve_name");
	p_rule_add_array = dlsym(h, "seccomp_rule_add_array");
	p_export_bpf = dlsym(h, "seccomp_export_bpf");
	p_release = dlsym(h, "seccomp_release");
	p_version = dlsym(h, "seccomp_version");
	if (!p_init || !p_arch_add || !p_arch_resolve_name || !p_syscall_resolve_name ||
	    !p_rule_add_array || !p_export_bpf || !p_release || !p_version) {
		dlclose(h);
		return -1;
	}
	lib = h;
	return 0;
}

static void *roost_scmp_init(uint32_t def) { return p_init(def); }
static int roost_scmp_arch_add(void *ctx, uint32_t arch) { return p_arch_add(ctx, arch); }
static uint32_t roost_scmp_arch_resolve(const char *name) { return p_arch_resolve_name(name); }
static int roost_scmp_syscall_resolve(const char *name) { return p_syscall_resolve_name(name); }
static int roost_scmp_rule_add(void *ctx, uint32_t action, int nr, unsigned int n, const struct roost_scmp_arg_cmp *args) {
	return p_rule_add_array(ctx, action, nr, n, args);
}
static int roost_scmp_export(void *ctx, int fd) { return p_export_bpf(ctx, fd); }
static void roost_scmp_release(void *ctx) { p_release(ctx); }
static void roost_scmp_version(unsigned int *v) {
	const struct roost_scmp_version *ver = p_version();
	v[0] = ver->major; v[1] = ver->minor; v[2] = ver->micro;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ErrUnavailable: libseccomp.so.2 cannot be loaded here.
var ErrUnavailable = errors.New("libseccomp.so.2 is not available")

var (
	openOnce sync.Once
	openErr  error
	mu       sync.Mutex // libseccomp contexts are used one at a time
)

func open() error {
	openOnce.Do(func() {
		if C.roost_scmp_open() != 0 {
			openErr = ErrUnavailable
		}
	})
	return openErr
}

// Version is libseccomp's version, part of the cache key: another library
// may compile the same profile differently.
func Version() (string, error) {
	if err := open(); err != nil {
		return "", err
	}
	var v [3]C.uint
	C.roost_scmp_version(&v[0])
	return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]), nil
}

// libseccomp's action values (seccomp.h).
const (
	actKillProcess = 0x80000000
	actKillThread  = 0x00000000
	actTrap        = 0x00030000
	actErrno       = 0x00050000
	actTrace       = 0x7ff00000
	actLog         = 0x7ffc0000
	actAllow       = 0x7fff0000
	actNotify      = 0x7fc00000
)

func action(name specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	ret := uint32(unix.EPERM)
	if errnoRet != nil {
		if name != specs.ActErrno && name != specs.ActTrace {
			return 0, fmt.Errorf("errno value specified for action %s", name)
		}
		ret = uint32(*errnoRet)
	}
	switch name {
	case specs.ActErrno:
		return actErrno | ret&0xffff, nil
	case specs.ActTrace:
		return actTrace | ret&0xffff, nil
	case specs.ActAllow:
		return actAllow, nil
	case specs.ActKill, specs.ActKillThread:
		return actKillThread, nil
	case specs.ActKillProcess:
		return actKillProcess, nil
	case specs.ActTrap:
		return actTrap, nil
	case specs.ActLog:
		return actLog, nil
	case specs.ActNotify:
		return actNotify, nil
	}
	return 0, fmt.Errorf("seccomp action %q is not known", name)
}

var operators = map[specs.LinuxSeccompOperator]C.int{
	specs.OpNotEqual: 1, specs.OpLessThan: 2, specs.OpLessEqual: 3, specs.OpEqualTo: 4,
	specs.OpGreaterEqual: 5, specs.OpGreaterThan: 6, specs.OpMaskedEqual: 7,
}

// Compile returns the BPF program of profile, as crun 1.8 would build it:
// the default action, the listed architectures, then every rule whose action
// differs from the default, for every syscall name libseccomp knows (crun
// skips unknown names with a warning), a rule with several conditions on one
// argument split into one rule per condition.
func Compile(profile *specs.LinuxSeccomp) ([]byte, error) {
	if err := open(); err != nil {
		return nil, err
	}
	if profile.DefaultAction == "" {
		return nil, errors.New("seccomp profile has no default action")
	}
	def, err := action(profile.DefaultAction, profile.DefaultErrnoRet)
	if err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	ctx := C.roost_scmp_init(C.uint32_t(def))
	if ctx == nil {
		return nil, errors.New("seccomp_init failed")
	}
	defer C.roost_scmp_release(ctx)
	for _, a := range profile.Architectures {
		name := strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_"))
		cname := C.CString(name)
		token := C.roost_scmp_arch_resolve(cname)
		C.free(unsafe.Pointer(cname))
		if token == 0 {
			return nil, fmt.Errorf("seccomp architecture %s is not known", a)
		}
		if rc := C.roost_scmp_arch_add(ctx, token); rc < 0 && rc != -C.EEXIST {
			return nil, fmt.Errorf("seccomp adding architecture %s: %w", a, unix.Errno(-rc))
		}
	}
	for _, sc := range profile.Syscalls {
		act, err := action(sc.Action, sc.ErrnoRet)
		if err != nil {
			return nil, err
		}
		if act == def {
			continue
		}
		args, err := conditions(sc.Args)
		if err != nil {
			return nil, err
		}
		for _, name := range sc.Names {
			cname := C.CString(name)
			nr := C.roost_scmp_syscall_resolve(cname)
			C.free(unsafe.Pointer(cname))
			if nr == -1 { // __NR_SCMP_ERROR: unknown here, as crun ignores it
				continue
			}
			if err := addRules(ctx, act, nr, args); err != nil {
				return nil, fmt.Errorf("seccomp rule for %s: %w", name, err)
			}
		}
	}
	return export(ctx)
}

func conditions(args []specs.LinuxSeccompArg) ([]C.struct_roost_scmp_arg_cmp, error) {
	if len(args) > 6 {
		args = args[:6]
	}
	out := make([]C.struct_roost_scmp_arg_cmp, len(args))
	for i, a := range args {
		if a.Index >= 6 {
			return nil, fmt.Errorf("invalid seccomp argument index %d", a.Index)
		}
		op, ok := operators[a.Op]
		if !ok {
			return nil, fmt.Errorf("seccomp operator %q is not known", a.Op)
		}
		out[i] = C.struct_roost_scmp_arg_cmp{arg: C.uint(a.Index), op: op,
			datum_a: C.uint64_t(a.Value), datum_b: C.uint64_t(a.ValueTwo)}
	}
	return out, nil
}

// addRules adds one rule with all conditions, or, when one argument has
// several conditions (which libseccomp refuses in one rule), a rule per
// condition, as crun does.
func addRules(ctx unsafe.Pointer, act uint32, nr C.int, args []C.struct_roost_scmp_arg_cmp) error {
	if len(args) == 0 {
		if rc := C.roost_scmp_rule_add(ctx, C.uint32_t(act), nr, 0, nil); rc < 0 {
			return unix.Errno(-rc)
		}
		return nil
	}
	seen := map[C.uint]bool{}
	multiple := false
	for _, a := range args {
		if seen[a.arg] {
			multiple = true
			break
		}
		seen[a.arg] = true
	}
	if !multiple {
		p := (*C.struct_roost_scmp_arg_cmp)(C.malloc(C.size_t(len(args)) * C.size_t(unsafe.Sizeof(args[0]))))
		defer C.free(unsafe.Pointer(p))
		copy(unsafe.Slice(p, len(args)), args)
		if rc := C.roost_scmp_rule_add(ctx, C.uint32_t(act), nr, C.uint(len(args)), p); rc < 0 {
			return unix.Errno(-rc)
		}
		return nil
	}
	p := (*C.struct_roost_scmp_arg_cmp)(C.malloc(C.size_t(unsafe.Sizeof(args[0]))))
	defer C.free(unsafe.Pointer(p))
	for _, a := range args {
		*p = a
		if rc := C.roost_scmp_rule_add(ctx, C.uint32_t(act), nr, 1, p); rc < 0 {
			return unix.Errno(-rc)
		}
	}
	return nil
}

// export has libseccomp write the program into a memory file and reads it.
func export(ctx unsafe.Pointer) ([]byte, error) {
	fd, err := unix.MemfdCreate("roost-seccomp", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd for seccomp: %w", err)
	}
	f := os.NewFile(uintptr(fd), "roost-seccomp")
	defer f.Close()
	if rc := C.roost_scmp_export(ctx, C.int(fd)); rc < 0 {
		return nil, fmt.Errorf("seccomp_export_bpf: %w", unix.Errno(-rc))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}
