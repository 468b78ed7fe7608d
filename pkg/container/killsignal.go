package container

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/roost-containers/roost/pkg/spec"
)

// ParseKillSignal reads kill's --signal as Podman does: a name with or
// without SIG in any case, or a number, each with an optional leading dash
// ("-9", "-HUP"). Its errors are Podman's words, which scripts match.
func ParseKillSignal(s string) (syscall.Signal, error) {
	base := strings.TrimPrefix(s, "-")
	if n, err := strconv.ParseInt(base, 10, 64); err == nil {
		switch {
		case n == 0:
			return 0, fmt.Errorf("invalid signal: %s", base)
		case n < 1 || n > 64:
			return 0, errors.New("valid signals are 1 through 64")
		}
		return syscall.Signal(n), nil
	}
	if strings.TrimSpace(base) != base || base == "" {
		return 0, fmt.Errorf("invalid signal: %s", base)
	}
	sig, err := spec.ParseSignal(base)
	if err != nil {
		return 0, fmt.Errorf("invalid signal: %s", base)
	}
	return sig, nil
}
