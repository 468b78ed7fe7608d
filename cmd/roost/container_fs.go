package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/userns"
)

// copyArg is one side of cp: a container path or a host path ("-" is a tar
// on stdin or stdout).
type copyArg struct {
	ctr, path string
}

// parseCopyArg follows Podman: CONTAINER:PATH names a container path unless
// the argument is "-" or starts like a host path ("/", ".").
func parseCopyArg(s string) copyArg {
	if s == "-" || strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") {
		return copyArg{path: s}
	}
	ctr, p, ok := strings.Cut(s, ":")
	if !ok || ctr == "" {
		return copyArg{path: s}
	}
	return copyArg{ctr: ctr, path: p}
}

func newCpCommand(a *app) *cobra.Command {
	var o container.CopyOptions
	var pause, follow, extract bool
	cmd := &cobra.Command{
		Use:   "cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
		Short: "Copy files and directories between a container and the host, or two containers",
		Long: "Copy files and directories between a container and the host, or between two containers.\n" +
			"Relative container paths start at the container's working directory; symlinks are followed\n" +
			"inside the container. `-` as SRC_PATH reads a tar from stdin and extracts it into the\n" +
			"container directory DEST_PATH; `-` as DEST_PATH writes a tar of SRC_PATH to stdout.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, dst := parseCopyArg(args[0]), parseCopyArg(args[1])
			switch {
			case src.ctr == "" && dst.ctr == "":
				return fmt.Errorf("one of %q and %q must be a container path (CONTAINER:PATH)", args[0], args[1])
			case src.path == "-" && dst.path == "-":
				return errors.New("`-` can be SRC_PATH or DEST_PATH, not both")
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			switch {
			case src.ctr != "" && dst.ctr != "":
				return eng.CopyBetween(src.ctr, src.path, dst.ctr, dst.path, o)
			case src.ctr != "" && dst.path == "-":
				return eng.ArchiveOut(src.ctr, src.path, o, a.out)
			case src.ctr != "":
				return eng.CopyOut(src.ctr, src.path, dst.path, o)
			case src.path == "-":
				return eng.ArchiveIn(dst.ctr, dst.path, o, os.Stdin)
			}
			return eng.CopyIn(dst.ctr, src.path, dst.path, o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&o.Chown, "archive", "a", true, "files copied in belong to the container's user (false: keep the source's owners)")
	fl.BoolVar(&o.Overwrite, "overwrite", false, "replace a directory with a file, or a file with a directory")
	// Accepted for compatibility: Podman's --pause and --extract do
	// nothing, and a source symlink is always followed (-L is Docker's).
	fl.BoolVar(&pause, "pause", true, "accepted for compatibility; does nothing")
	fl.BoolVar(&extract, "extract", false, "accepted for compatibility; does nothing")
	fl.BoolVarP(&follow, "follow-link", "L", false, "accepted for compatibility: a source symlink is always followed")
	for _, f := range []string{"pause", "extract", "follow-link"} {
		_ = fl.MarkHidden(f)
	}
	return cmd
}

func newExportCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [options] CONTAINER",
		Short: "Write a container's filesystem as a tar archive",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if output == "" {
				if f, ok := a.out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					return errors.New("refusing to write a tar archive to a terminal: use -o FILE or redirect stdout")
				}
				return eng.Export(args[0], a.out)
			}
			return exportToFile(eng, args[0], output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

// exportToFile leaves no partial archive behind when the export fails.
func exportToFile(eng *container.Engine, ref, path string) error {
	if _, err := eng.Resolve(ref); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	err = eng.Export(ref, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", path, cerr)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// diffJSON is Podman's `diff --format json`.
type diffJSON struct {
	Changed []string `json:"changed,omitempty"`
	Added   []string `json:"added,omitempty"`
	Deleted []string `json:"deleted,omitempty"`
}

func newDiffCommand(a *app) *cobra.Command {
	var fmtFlag string
	var latest bool
	cmd := &cobra.Command{
		Use:   "diff [options] CONTAINER",
		Short: "Show the changes in a container's filesystem against its image",
		Args: func(cmd *cobra.Command, args []string) error {
			if latest {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if fmtFlag != "" && !format.IsJSON(fmtFlag) {
				return fmt.Errorf("invalid --format %q: diff supports only json", fmtFlag)
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			targets, err := eng.Select(cmd.Context(), container.Selection{Refs: args, Latest: latest})
			if err != nil {
				return err
			}
			changes, err := eng.Diff(targets[0].ID)
			if err != nil {
				return err
			}
			if fmtFlag == "" {
				for _, ch := range changes {
					fmt.Fprintln(a.out, ch.Kind, ch.Path)
				}
				return nil
			}
			var j diffJSON
			lists := map[string]*[]string{"C": &j.Changed, "A": &j.Added, "D": &j.Deleted}
			for _, ch := range changes {
				*lists[ch.Kind] = append(*lists[ch.Kind], ch.Path)
			}
			return format.JSON(a.out, j)
		},
	}
	cmd.Flags().StringVar(&fmtFlag, "format", "", "output format: json")
	cmd.Flags().BoolVarP(&latest, "latest", "l", false, "act on the latest container created")
	return cmd
}

func newMountCommand(a *app) *cobra.Command {
	var all, noTrunc bool
	var fmtFlag string
	cmd := &cobra.Command{
		Use:   "mount [options] [CONTAINER...]",
		Short: "Mount a container's root filesystem and print where, or list mounted containers",
		Long: "Mount a container's root filesystem and print where. Rootless, the mount exists only in\n" +
			"Roost's user namespace, so run it inside `roost unshare`. Without a container, list the\n" +
			"mounted containers.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if fmtFlag != "" && !format.IsJSON(fmtFlag) {
				return fmt.Errorf("invalid --format %q: mount supports only json", fmtFlag)
			}
			if len(args) == 0 && !all {
				return a.listMounts(fmtFlag != "", noTrunc)
			}
			if a.cfg.Rootless && !userns.StartedInside() {
				hint := strings.Join(args, " ")
				if all {
					hint = "--all"
				}
				return fmt.Errorf("rootless mount only works inside `roost unshare`: run `roost unshare roost mount %s`", hint)
			}
			eng, refs, err := a.targets(cmd, all, args, false)
			if err != nil {
				return err
			}
			return a.eachContainer(refs, eng.Mount)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "mount every container")
	cmd.Flags().BoolVar(&noTrunc, "notruncate", false, "do not truncate ids in the listing")
	cmd.Flags().StringVar(&fmtFlag, "format", "", "listing format: json")
	return cmd
}

func (a *app) listMounts(asJSON, noTrunc bool) error {
	eng, err := a.Engine()
	if err != nil {
		return err
	}
	mounts, err := eng.Mounted()
	if err != nil {
		return err
	}
	if asJSON {
		if mounts == nil {
			mounts = []container.MountPoint{}
		}
		return format.JSON(a.out, mounts)
	}
	for _, m := range mounts {
		id := m.ID
		if !noTrunc {
			id = id[:12]
		}
		fmt.Fprintln(a.out, id, m.Path)
	}
	return nil
}

func newUnmountCommand(a *app) *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:     "unmount [options] CONTAINER...",
		Aliases: []string{"umount"},
		Short:   "Release a container's root filesystem mounted with `roost mount`",
		Long: "Release one use of a container's mount made with `roost mount` (--force: all of them).\n" +
			"A running container keeps its own mount. Prints each container's full id.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all {
				return a.unmountAll(args, force)
			}
			eng, refs, err := a.targets(cmd, false, args, false)
			if err != nil {
				return err
			}
			return a.eachContainer(refs, func(ref string) (string, error) { return eng.Unmount(ref, force) })
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "unmount every mounted container")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "release every use of the mount, not just one")
	return cmd
}

// unmountAll releases every mounted container; the mounts running containers
// need for themselves are not the user's and are silently kept.
func (a *app) unmountAll(args []string, force bool) error {
	if len(args) > 0 {
		return errors.New("--all cannot be given with container names")
	}
	eng, err := a.Engine()
	if err != nil {
		return err
	}
	mounts, err := eng.Mounted()
	if err != nil {
		return err
	}
	var refs []string
	for _, m := range mounts {
		refs = append(refs, m.ID)
	}
	return a.eachContainer(refs, func(ref string) (string, error) {
		id, err := eng.Unmount(ref, force)
		if errors.Is(err, container.ErrRunning) {
			return "", nil
		}
		return id, err
	})
}
