package api

import "net/http"

// imageRoutes: images: json, create, inspect, history, tag, delete, push, get, load, search, prune (h16a).
func (s *Server) imageRoutes(mux *http.ServeMux) {}
