package api

import "net/http"

// containerRoutes: containers (h16b).
func (s *Server) containerRoutes(mux *http.ServeMux) {}
