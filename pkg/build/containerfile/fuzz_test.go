package containerfile

import (
	"errors"
	"testing"
)

// FuzzParse: any input parses or fails with one located error, never a
// panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM busybox\nRUN echo hi\n",
		"ARG A=1\nFROM scratch AS x\nCOPY --chown=1:1 a b\nFROM x\n",
		"FROM busybox\nRUN <<EOF\necho hi\nEOF\n",
		"# escape=`\nFROM busybox\nRUN echo `\n  hi\n",
		"FROM busybox\nHEALTHCHECK --interval=5s CMD true\nONBUILD RUN true\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("Containerfile", data)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error without a location: %v", err)
			}
			return
		}
		if len(file.Stages) == 0 {
			t.Fatal("no error and no stage")
		}
	})
}
