package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/common"
	dockernet "github.com/moby/moby/api/types/network"
	dockervolume "github.com/moby/moby/api/types/volume"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/events"
)

// These tests serve the real handlers over a state database and volume
// directory of their own. Network and volume create need no image store,
// so they run anywhere, as any user.

func testServer(t testing.TB) *Server {
	dir := t.TempDir()
	cfg := &config.Config{
		UID: 0, GID: 0, Home: dir,
		DataDir: filepath.Join(dir, "data"), RunDir: filepath.Join(dir, "run"), ConfigDir: filepath.Join(dir, "etc"),
		GraphRoot: filepath.Join(dir, "data", "storage"), StorageRunRoot: filepath.Join(dir, "run", "storage"),
		Events: events.Options{Backend: events.BackendNone},
	}
	eng := engine.New(engine.Options{Config: cfg})
	t.Cleanup(func() { _ = eng.Close() })
	return New(eng, Options{})
}

func call(s *Server, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}

// wantError checks a Docker-shaped error answer.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, words string) {
	t.Helper()
	var e common.ErrorResponse
	if rec.Code != status || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Message, words) {
		t.Fatalf("want %d with a message containing %q, got %d %s", status, words, rec.Code, rec.Body)
	}
}

func TestNetworkCreateAnswers(t *testing.T) {
	h := testServer(t)
	body := `{"Name":"web","Internal":true,"Labels":{"a":"b"},"IPAM":{"Driver":"default","Config":[{"Subnet":"10.97.0.0/24","Gateway":"10.97.0.254","IPRange":"10.97.0.128/25"}]}}`
	rec := call(h, "POST", "/v1.41/networks/create", body)
	var created dockernet.CreateResponse
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &created) != nil || len(created.ID) != 64 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	wantError(t, call(h, "POST", "/networks/create", body), http.StatusConflict, "already")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"bridge"}`), http.StatusConflict, "bridge")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"host"}`), http.StatusConflict, "host")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"x","Driver":"overlay"}`), http.StatusBadRequest, "overlay")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"x","Options":{"com.docker.network.driver.mtu":"1400"}}`), http.StatusBadRequest, "mtu")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"x","IPAM":{"Config":[{"Subnet":"fd00::/64"}]}}`), http.StatusBadRequest, "IPv4")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"x","IPAM":{"Config":[{"Subnet":"10.97.0.0/16"}]}}`), http.StatusBadRequest, "overlaps")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"x","IPAM":{"Config":[{"Subnet":"10.98.0.0/24","Gateway":"10.99.0.1"}]}}`), http.StatusBadRequest, "gateway")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":"bad name"}`), http.StatusBadRequest, "invalid network name")
	wantError(t, call(h, "POST", "/networks/create", `{"Name":`), http.StatusBadRequest, "invalid JSON")
	// docker-py (docker-compose) sends every pool key, unset ones as null.
	rec = call(h, "POST", "/networks/create", `{"Name":"py","Driver":"bridge","Options":{},"IPAM":{"Driver":"default","Config":[{"Subnet":"10.96.1.0/24","IPRange":null,"Gateway":null,"AuxiliaryAddresses":null}],"Options":null},"Labels":{"com.docker.compose.project":"p"}}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("docker-py create: %d %s", rec.Code, rec.Body)
	}

	rec = call(h, "GET", "/networks/web", "")
	var in dockernet.Inspect
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &in) != nil {
		t.Fatalf("inspect: %d %s", rec.Code, rec.Body)
	}
	pool := in.IPAM.Config[0]
	if in.ID != created.ID || !in.Internal || in.Labels["a"] != "b" || in.Driver != "bridge" || in.Scope != "local" ||
		pool.Subnet != netip.MustParsePrefix("10.97.0.0/24") || pool.Gateway != netip.MustParseAddr("10.97.0.254") ||
		pool.IPRange != netip.MustParsePrefix("10.97.0.128/25") || in.Containers == nil || len(in.Options) != 0 {
		t.Fatalf("inspect shows %s", rec.Body)
	}
	if rec := call(h, "GET", "/networks/"+created.ID[:10], ""); rec.Code != http.StatusOK {
		t.Fatalf("inspect by id prefix: %d %s", rec.Code, rec.Body)
	}
	wantError(t, call(h, "GET", "/networks/nosuch", ""), http.StatusNotFound, "nosuch")
}

func TestNetworkBuiltins(t *testing.T) {
	h := testServer(t)
	for name, driver := range map[string]string{"bridge": "bridge", "host": "host", "none": "null", "podman": "bridge"} {
		rec := call(h, "GET", "/networks/"+name, "")
		var in dockernet.Inspect
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &in) != nil || in.Driver != driver {
			t.Fatalf("inspect %s: %d %s", name, rec.Code, rec.Body)
		}
		if want := map[string]string{"podman": "bridge"}[name]; want != "" && in.Name != want {
			t.Fatalf("the default network is shown as %q, want bridge", in.Name)
		}
		// host and none by their id too, as Docker's clients look them up.
		if rec := call(h, "GET", "/networks/"+in.ID, ""); rec.Code != http.StatusOK {
			t.Fatalf("inspect %s by id: %d %s", name, rec.Code, rec.Body)
		}
		wantError(t, call(h, "DELETE", "/networks/"+name, ""), http.StatusForbidden, "pre-defined")
	}
	wantError(t, call(h, "POST", "/networks/host/connect", `{"Container":"x"}`), http.StatusForbidden, "host")
	wantError(t, call(h, "POST", "/networks/bridge/connect", `{}`), http.StatusBadRequest, "Container")
}

func TestNetworkListFilters(t *testing.T) {
	h := testServer(t)
	for _, b := range []string{`{"Name":"front","Labels":{"tier":"web"}}`, `{"Name":"back"}`} {
		if rec := call(h, "POST", "/networks/create", b); rec.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	names := func(filters string) string {
		t.Helper()
		rec := call(h, "GET", "/networks?filters="+filters, "")
		var list []dockernet.Summary
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
			t.Fatalf("list %s: %d %s", filters, rec.Code, rec.Body)
		}
		var out []string
		for _, n := range list {
			out = append(out, n.Name)
		}
		return strings.Join(out, " ")
	}
	for filters, want := range map[string]string{
		``:                                    "back bridge front host none",
		`{"type":{"custom":true}}`:            "back front",
		`{"type":["builtin"]}`:                "bridge host none",
		`{"label":{"tier=web":true}}`:         "front",
		`{"name":{"bridge":true}}`:            "bridge",
		`{"driver":{"null":true}}`:            "none",
		`{"dangling":{"true":true}}`:          "back front",
		`{"scope":{"swarm":true}}`:            "",
		`{"name":{"front":true,"back":true}}`: "back front",
	} {
		if got := names(filters); got != want {
			t.Errorf("filters %s: got %q, want %q", filters, got, want)
		}
	}
	wantError(t, call(h, "GET", `/networks?filters={"color":{"red":true}}`, ""), http.StatusBadRequest, "color")
	wantError(t, call(h, "GET", `/networks?filters={"type":{"odd":true}}`, ""), http.StatusBadRequest, "type")

	rec := call(h, "POST", `/networks/prune?filters={"label":{"tier=web":true}}`, "")
	var rep dockernet.PruneReport
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &rep) != nil || strings.Join(rep.NetworksDeleted, " ") != "front" {
		t.Fatalf("prune: %d %s", rec.Code, rec.Body)
	}
	if rec := call(h, "DELETE", "/networks/back", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if got := names(""); got != "bridge host none" {
		t.Fatalf("left after prune and delete: %q", got)
	}
}

func TestVolumeCreateAnswers(t *testing.T) {
	h := testServer(t)
	rec := call(h, "POST", "/volumes/create", `{"Name":"data","Labels":{"a":"b"},"DriverOpts":{"o":"uid=0"}}`)
	var v dockervolume.Volume
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &v) != nil || v.Name != "data" ||
		v.Labels["a"] != "b" || v.Driver != "local" || v.Scope != "local" || !strings.HasSuffix(v.Mountpoint, "/data/_data") {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	// As Docker: creating it again answers with the volume.
	if rec := call(h, "POST", "/volumes/create", `{"Name":"data"}`); rec.Code != http.StatusCreated {
		t.Fatalf("create again: %d %s", rec.Code, rec.Body)
	}
	rec = call(h, "POST", "/volumes/create", `{}`)
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &v) != nil || len(v.Name) != 64 {
		t.Fatalf("anonymous create: %d %s", rec.Code, rec.Body)
	}
	wantError(t, call(h, "POST", "/volumes/create", `{"Name":"x","Driver":"nfs"}`), http.StatusBadRequest, "nfs")
	wantError(t, call(h, "POST", "/volumes/create", `{"Name":"x","DriverOpts":{"colour":"red"}}`), http.StatusBadRequest, "colour")
	wantError(t, call(h, "POST", "/volumes/create", `{"Name":"../x"}`), http.StatusBadRequest, "invalid volume name")
	wantError(t, call(h, "POST", "/volumes/create", `[1,2]`), http.StatusBadRequest, "invalid JSON")
}

// FuzzNetworkCreateBody: whatever body a client sends to POST
// /networks/create, the service answers 201, 400 or 409 with Docker's
// error shape, never 500 and never a panic; what it creates has a valid
// IPv4 subnet.
func FuzzNetworkCreateBody(f *testing.F) {
	for _, seed := range []string{
		`{"Name":"n1"}`,
		`{"Name":"n2","Driver":"bridge","Internal":true,"Labels":{"a":"b"},"Options":{}}`,
		`{"Name":"n3","IPAM":{"Driver":"default","Config":[{"Subnet":"10.90.0.0/24","Gateway":"10.90.0.1","IPRange":"10.90.0.0/25"}]}}`,
		`{"Name":"n4","IPAM":{"Config":[{"Subnet":"10.91.0.0/24","IPRange":null,"Gateway":null,"AuxiliaryAddresses":null}],"Options":null}}`,
		`{"Name":"n5","EnableIPv6":true,"IPAM":{"Config":[{"Subnet":"fd00::/64"}]}}`,
		`{"Name":"n6","IPAM":{"Config":[{"Subnet":"10.92.0.0/31"}]}}`,
		`{"Name":"n7","IPAM":{"Config":[{"Subnet":"300.1.0.0/24"}]}}`,
		`{"Name":"bridge"}`, `{"Name":""}`, `{"Name":"x","Scope":"swarm"}`, `{"Name":"x","EnableIPv4":false}`,
		`{"Name":`, `null`, `[]`, `"x"`, ``,
	} {
		f.Add([]byte(seed))
	}
	h := testServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := call(h, "POST", "/networks/create", string(body))
		switch rec.Code {
		case http.StatusCreated:
			var c dockernet.CreateResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || c.ID == "" {
				t.Fatalf("201 without an id: %s", rec.Body)
			}
			in := call(h, "GET", "/networks/"+c.ID, "")
			var n dockernet.Inspect
			if in.Code != http.StatusOK || json.Unmarshal(in.Body.Bytes(), &n) != nil || len(n.IPAM.Config) != 1 || !n.IPAM.Config[0].Subnet.Addr().Is4() {
				t.Fatalf("created network reads back as %d %s", in.Code, in.Body)
			}
			// Removed at once, so that the subnets do not run out.
			if _, err := h.eng.Networks().Remove(c.ID); err != nil {
				t.Fatal(err)
			}
		case http.StatusBadRequest, http.StatusConflict:
			wantError(t, rec, rec.Code, "")
		default:
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
	})
}

// FuzzVolumeCreateBody: the same for POST /volumes/create.
func FuzzVolumeCreateBody(f *testing.F) {
	for _, seed := range []string{
		`{"Name":"v1"}`, `{}`, `{"Name":"v2","Driver":"local","Labels":{"a":"b"},"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=10m"}}`,
		`{"Name":"v3","DriverOpts":{"o":"uid=1000,gid=1000"}}`, `{"Name":"v4","DriverOpts":{"type":"none","o":"bind","device":"/nonexistent"}}`,
		`{"Name":"v5","DriverOpts":{"type":"nfs"}}`, `{"Name":"-v"}`, `{"Name":"v6","Driver":"nfs"}`,
		`{"Name":`, `null`, `[]`, ``,
	} {
		f.Add([]byte(seed))
	}
	h := testServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := call(h, "POST", "/volumes/create", string(body))
		switch rec.Code {
		case http.StatusCreated:
			var v dockervolume.Volume
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Name == "" || v.Driver != "local" {
				t.Fatalf("201 with %s", rec.Body)
			}
		case http.StatusBadRequest:
			wantError(t, rec, rec.Code, "")
		default:
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
	})
}

// A body over the 8 MiB limit is refused as bad input on these routes too.
func TestCreateBodyTooLarge(t *testing.T) {
	h := testServer(t)
	big := `{"Name":"n","Labels":{"x":"` + string(bytes.Repeat([]byte("a"), 9<<20)) + `"}}`
	wantError(t, call(h, "POST", "/networks/create", big), http.StatusBadRequest, "")
	wantError(t, call(h, "POST", "/volumes/create", big), http.StatusBadRequest, "")
}
