package container

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
)

var nameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ValidName checks a user's --name as Podman does.
func ValidName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("invalid container name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", name)
	}
	return nil
}

func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

var adjectives = []string{"amber", "brave", "calm", "deft", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry", "nimble", "proud", "quiet", "rapid", "sunny", "tidy", "vivid", "witty"}
var birds = []string{"auk", "bittern", "crane", "dunlin", "egret", "finch", "grebe", "heron", "ibis", "jay", "kite", "lark", "merlin", "nuthatch", "osprey", "plover", "quail", "robin", "swift", "tern", "wren"}

// randomName makes a Docker-style name for a container the user did not name.
func randomName() string {
	pick := func(list []string) string {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
		if err != nil {
			return list[0]
		}
		return list[n.Int64()]
	}
	suffix := make([]byte, 2)
	_, _ = rand.Read(suffix)
	return pick(adjectives) + "_" + pick(birds) + "_" + hex.EncodeToString(suffix)
}
