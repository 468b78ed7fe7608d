package systemd

// APIUnits are roost.socket and roost.service for a user manager: the
// socket listens at $XDG_RUNTIME_DIR/roost/roost.sock (0600) and starts the
// service at the first connection; the service (`roost system service`)
// serves on the descriptor systemd passes and exits when idle, and the
// socket starts it again at the next connection.
//
// KillMode=process: the service's own process is all systemd stops. The
// monitors of containers started through the API are moved to scopes of
// their own, but if a move fails the container must still outlive the
// service's idle exit, as with Podman's podman.service.
func APIUnits(roost []string) []Unit {
	sock := `[Unit]
Description=Roost Docker-compatible API socket
Documentation=https://github.com/roost-containers/roost/blob/main/docs/api.md

[Socket]
ListenStream=%t/roost/roost.sock
SocketMode=0600
DirectoryMode=0700

[Install]
WantedBy=sockets.target
`
	svc := `[Unit]
Description=Roost Docker-compatible API service
Documentation=https://github.com/roost-containers/roost/blob/main/docs/api.md
Requires=roost.socket
After=roost.socket

[Service]
Type=exec
KillMode=process
Delegate=true
ExecStart=` + ExecLine(append(append([]string(nil), roost...), "system", "service")) + `

[Install]
WantedBy=default.target
`
	return []Unit{{Name: "roost.socket", Content: sock}, {Name: "roost.service", Content: svc}}
}
