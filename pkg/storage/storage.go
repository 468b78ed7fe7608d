// Package storage opens containers/storage for Roost and chooses its driver:
// native overlay where the kernel allows it rootless, else fuse-overlayfs, else vfs.
package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/roost-containers/roost/pkg/config"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/drivers/overlay"
	"go.podman.io/storage/types"
)

// Choice is the driver in use and why it was chosen, for `roost info`.
type Choice struct {
	Driver  string   `json:"driver"`
	Options []string `json:"options,omitempty"`
	Reason  string   `json:"reason"`
}

// choiceFile remembers the probe's answer inside the graph root, so the probe
// runs once per storage and a root never silently changes driver.
func choiceFile(graphRoot string) string { return filepath.Join(graphRoot, "roost-driver.json") }

// Choose returns the driver for cfg: what the user configured, else what was
// chosen for this graph root before, else the result of probing now.
func Choose(cfg *config.Config) (Choice, error) {
	if cfg.StorageDriver != "" {
		return Choice{Driver: cfg.StorageDriver, Options: cfg.StorageOpts, Reason: "set by " + cfg.StorageDriverSource}, nil
	}
	if c, err := readChoice(cfg.GraphRoot); err == nil {
		if len(cfg.StorageOpts) > 0 {
			c.Options = cfg.StorageOpts
		}
		return c, nil
	}
	c, err := probe(cfg)
	if err != nil {
		return c, err
	}
	if len(cfg.StorageOpts) > 0 {
		// Options given by hand (say overlay.mount_program) shape this root, so
		// say so rather than remembering a probe they overrode.
		c.Options = cfg.StorageOpts
		c.Reason += "; options from the command line or storage.conf"
	}
	return c, writeChoice(cfg.GraphRoot, c)
}

func readChoice(graphRoot string) (Choice, error) {
	var c Choice
	b, err := os.ReadFile(choiceFile(graphRoot))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Driver == "" {
		return c, fmt.Errorf("malformed %s", choiceFile(graphRoot))
	}
	return c, nil
}

func writeChoice(graphRoot string, c Choice) error {
	if err := os.MkdirAll(graphRoot, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", graphRoot, err)
	}
	b, _ := json.Marshal(c)
	// A temporary file of its own: several first commands may probe and
	// write the choice at once, and each rename must find its own file.
	f, err := os.CreateTemp(graphRoot, "roost-driver-*.tmp")
	if err != nil {
		return fmt.Errorf("remember storage driver: %w", err)
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("remember storage driver: %w", werr)
	}
	if err := os.Rename(f.Name(), choiceFile(graphRoot)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("remember storage driver: %w", err)
	}
	return nil
}

// probe tries native overlay with a real test mount, then fuse-overlayfs, then vfs.
func probe(cfg *config.Config) (Choice, error) {
	home := filepath.Join(cfg.GraphRoot, "overlay")
	runhome := filepath.Join(cfg.StorageRunRoot, "overlay")
	for _, d := range []string{home, runhome} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return Choice{}, fmt.Errorf("create %s: %w", d, err)
		}
	}
	ok, nativeErr := overlay.SupportsNativeOverlay(home, runhome)
	if ok {
		return Choice{Driver: "overlay", Reason: "native overlay mounts work here" + rootlessNote(cfg)}, nil
	}
	why := "native overlay is not available"
	if nativeErr != nil {
		why += " (" + nativeErr.Error() + ")"
	}
	if fuse, err := exec.LookPath("fuse-overlayfs"); err == nil && fuseUsable() {
		return Choice{
			Driver:  "overlay",
			Options: []string{"overlay.mount_program=" + fuse},
			Reason:  why + "; using fuse-overlayfs",
		}, nil
	}
	// Nothing of the overlay attempt should remain in a vfs root.
	_ = os.RemoveAll(home)
	return Choice{Driver: "vfs", Reason: why + " and fuse-overlayfs is not installed or /dev/fuse is not usable; vfs copies every layer (install fuse-overlayfs)"}, nil
}

func rootlessNote(cfg *config.Config) string {
	if cfg.Rootless {
		return " in the user namespace (kernel >= 5.11)"
	}
	return ""
}

func fuseUsable() bool {
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// Open returns the store for cfg with the chosen driver.
func Open(cfg *config.Config) (cstorage.Store, Choice, error) {
	c, err := Choose(cfg)
	if err != nil {
		return nil, c, err
	}
	opts := types.StoreOptions{
		RunRoot:            cfg.StorageRunRoot,
		GraphRoot:          cfg.GraphRoot,
		GraphDriverName:    c.Driver,
		GraphDriverOptions: c.Options,
	}
	store, err := cstorage.GetStore(opts)
	if err != nil {
		return nil, c, explain(c, err)
	}
	return store, c, nil
}

// explain turns the storage library's driver errors into what a user can act on.
func explain(c Choice, err error) error {
	msg := fmt.Sprintf("open storage (driver %s", c.Driver)
	if len(c.Options) > 0 {
		msg += " " + strings.Join(c.Options, ",")
	}
	msg += ")"
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%s: %w: check the ownership of %s", msg, err, pe.Path)
	}
	return fmt.Errorf("%s: %w", msg, err)
}
