package e2e

import "testing"

// A user's PATH often lacks /usr/sbin, where Debian installs nft: a bridge
// network must still get its firewall (Podman's 500-networking checks the
// same).
func TestBridgeNetworkWithoutSbinOnPath(t *testing.T) {
	e := pulled(t)
	e.Extra = append(e.Extra, "PATH="+binDir+":/usr/bin:/bin")
	e.roostOK("network", "create", "pathnet")
	if out := e.roostOK("run", "--rm", "--network", "pathnet", busybox, "echo", "reached"); out != "reached\n" {
		t.Fatalf("run on a bridge network without /usr/sbin on PATH: %q", out)
	}
	e.roostOK("network", "rm", "pathnet")
}
