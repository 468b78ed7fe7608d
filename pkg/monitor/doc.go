// Package monitor is the CLI's side of roost-monitor, the per-container
// process that runs the OCI runtime, owns the container's stdio, writes its
// log, applies the restart policy and records how the container ended. It is
// imported by the monitor too, so it stays small: the standard library
// (without package net) and golang.org/x/sys.
//
// # Starting
//
// The CLI prepares the bundle and a run directory, then calls Start (or
// Launcher.Start) with a Config. Start writes <runDir>/monitor.json, runs
// roost-monitor in a new session (one exec: the monitor need not fork again to
// detach), and reads one JSON line from a sync pipe: the monitor's
// and the container's pids, or the runtime's error as a *StartError whose
// kind errors.Is tells (ErrCommandNotFound: exit 127, ErrCannotInvoke: 126;
// ExitCode maps any error). With Config.WaitAttach the report comes after
// create and the container starts at the first Attach, or at once when
// Launcher.Attachment gave the monitor a client attached from its start (a
// foreground run: no round trip through the caller between create and start).
//
// # The run directory
//
// Mode 0700; every file 0600, replaced atomically (write, rename; no fsync:
// the directory is in $XDG_RUNTIME_DIR, gone at reboot):
//
//	monitor.json  Config, written by the CLI
//	monitor.pid   the monitor's pid, decimal and a newline
//	pid           the container init's pid (host view), written by the runtime at create
//	exit          after each exit: {"code":3,"finishedAt":"<RFC 3339 nano, UTC>","oomKilled":false}
//	              plus "restarting":true while the restart policy will start it again,
//	              and "error":"..." when a run could not start (code 125-127)
//	restarts      restarts so far, decimal (absent: none)
//	attach        unix socket: attach and control (below)
//	console       transient: the runtime sends the pty master here (--console-socket)
//	runtime.log   the runtime's --log (JSON lines) of the last create
//	monitor.log   the monitor's own stderr: diagnostics, the exit command's output
//
// ReadState turns these into a State; a monitor that is gone without a final
// exit file (monitor.pid not alive) is StatusDead, with PidAlive telling
// whether the container still runs. Wait polls until exited or dead.
//
// # The attach socket
//
// Frames: a 1-byte type, a 4-byte big-endian payload length (at most
// MaxFramePayload), the payload. A connection gets output only after it sends
// FrameAttach; a control client (Stop, Resize) sends one frame and leaves.
//
//	client -> monitor                       monitor -> client
//	5 FrameAttach      (empty) or           1 FrameStdout  output (all output with a terminal)
//	                   "finishes" (below)
//	0 FrameStdin       input bytes          2 FrameStderr  output
//	4 FrameCloseStdin  (empty): input EOF   8 FrameExit    exit file JSON; then the monitor closes
//	3 FrameResize      rows, cols: uint16   9 FrameError   SyncMessage JSON: a start failed
//	                   big-endian each      7 FrameAck     (empty): answers FrameStop
//	6 FrameStop        (empty): stopped by the user, do not restart;
//	                   "finishes": and this client finishes the exit
//	10 FrameFinished   (empty): the exit is finished (see below)
//
// A client that attached with "finishes" (Session.Finish: a foreground run,
// which records the exit, unmounts and removes a --rm container itself so
// that the next command sees it done) keeps its session after the final
// FrameExit. The monitor waits for it, up to a minute: FrameFinished means
// the work is done and the exit command is skipped; a session that ends
// without it (the client failed or was killed) or the minute passing means
// the monitor runs its exit command as usual. Either way the cleanup happens
// once, even when the CLI dies at any point. A stop or rm -f (StopFinishing)
// sends FrameStop "finishes" and keeps the connection for its FrameFinished
// in the same way, without output: the monitor then exits at once instead
// of starting a roost process that would find the work done.
//
// Input goes to the container only with Config.Stdin. Each exit ends every
// attach session (after a restart, attach again). A client that cannot take
// output for 5 seconds is dropped rather than stalling the container.
package monitor
