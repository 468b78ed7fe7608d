package api

import (
	"net/http"
	"runtime"
	"time"

	"github.com/moby/moby/api/types/system"
	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/version"
)

// systemRoutes: _ping, version, info, events, system df.
func (s *Server) systemRoutes(mux *http.ServeMux) {
	mux.Handle("GET /_ping", endpoint(s.ping))
	mux.Handle("HEAD /_ping", endpoint(s.ping))
	mux.Handle("GET /version", endpoint(s.version))
	mux.Handle("GET /info", endpoint(s.info))
	mux.Handle("GET /events", endpoint(s.events))
	mux.Handle("GET /system/df", endpoint(s.systemDF))
}

// ping answers Docker clients' first request; its headers tell them the
// API version to use.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("API-Version", MaxVersion)
	h.Set("Docker-Experimental", "false")
	h.Set("Ostype", "linux")
	h.Set("Builder-Version", "1")
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("OK"))
	return nil
}

// version is Docker's version report: the engine is Roost, and the
// components say which API versions it serves.
func (s *Server) version(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, versionReport())
	return nil
}

func versionReport() system.VersionResponse {
	v := version.Current()
	built := ""
	if v.Built != 0 {
		built = time.Unix(v.Built, 0).UTC().Format(time.RFC3339)
	}
	kernel := kernelRelease()
	return system.VersionResponse{
		Platform:      system.PlatformInfo{Name: "Roost Engine"},
		Version:       v.Version,
		APIVersion:    MaxVersion,
		MinAPIVersion: MinVersion,
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		GitCommit:     v.GitCommit,
		GoVersion:     v.GoVersion,
		KernelVersion: kernel,
		BuildTime:     built,
		Components: []system.ComponentVersion{{
			Name:    "Roost Engine",
			Version: v.Version,
			Details: map[string]string{
				"ApiVersion":    MaxVersion,
				"MinAPIVersion": MinVersion,
				"GitCommit":     v.GitCommit,
				"GoVersion":     v.GoVersion,
				"Os":            runtime.GOOS,
				"Arch":          runtime.GOARCH,
				"KernelVersion": kernel,
				"BuildTime":     built,
				"Experimental":  "false",
			},
		}},
	}
}

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

func machine() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return runtime.GOARCH
	}
	return unix.ByteSliceToString(u.Machine[:])
}

// info is Docker's system.Info, filled from the report `roost info` gives.
func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, dockerInfo(s.eng.Info(r.Context())))
	return nil
}
