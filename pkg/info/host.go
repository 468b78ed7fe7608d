package info

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"

	"github.com/roost-containers/roost/pkg/config"
)

// distribution reads os-release as Podman does: ID, VERSION_ID, VARIANT_ID
// and VERSION_CODENAME.
func distribution(path string) Distribution {
	f, err := os.Open(path)
	if err != nil {
		return Distribution{Distribution: "unknown", Version: "unknown"}
	}
	defer f.Close()
	var d Distribution
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			d.Distribution = v
		case "VERSION_ID":
			d.Version = v
		case "VARIANT_ID":
			d.Variant = v
		case "VERSION_CODENAME":
			d.Codename = v
		}
	}
	if d.Version == "" {
		d.Version = "unknown"
	}
	return d
}

// memory reads /proc/meminfo: total and free memory and swap, in bytes.
func memory() (memTotal, memFree, swapTotal, swapFree int64) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "MemTotal:":
			memTotal = kb * 1024
		case "MemAvailable:":
			memFree = kb * 1024
		case "SwapTotal:":
			swapTotal = kb * 1024
		case "SwapFree:":
			swapFree = kb * 1024
		}
	}
	return
}

// uptime is how long the host has run, in Podman's words ("2h 3m 4.5s
// (Approximately 0.08 days)").
func uptime() string {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return ""
	}
	secs, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		return ""
	}
	d := time.Duration(secs * float64(time.Second)).Round(10 * time.Millisecond)
	h := int(d.Hours())
	m := int(d.Minutes()) % 60
	s := d.Seconds() - float64(h*3600+m*60)
	return fmt.Sprintf("%dh %dm %.2fs (Approximately %.2f days)", h, m, s, d.Hours()/24)
}

// registries is Podman's registries section: the unqualified-search list
// and each configured registry.
func registries(cfg *config.Config) map[string]any {
	sys := &types.SystemContext{SystemRegistriesConfPath: cfg.RegistriesConf}
	out := map[string]any{}
	if search, err := sysregistriesv2.UnqualifiedSearchRegistries(sys); err == nil && len(search) > 0 {
		out["search"] = search
	}
	regs, err := sysregistriesv2.GetRegistries(sys)
	if err != nil {
		return out
	}
	for _, r := range regs {
		out[r.Prefix] = r
	}
	return out
}
