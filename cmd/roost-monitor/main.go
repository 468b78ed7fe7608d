// Command roost-monitor is the per-container monitor. Until containers run
// (the containers issue), it only reports its version.
package main

import (
	"fmt"
	"os"

	"github.com/roost-containers/roost/pkg/version"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println("roost-monitor version " + version.Version)
		return
	}
	fmt.Fprintln(os.Stderr, "roost-monitor: not yet implemented; it is started by roost, not by hand")
	os.Exit(125)
}
