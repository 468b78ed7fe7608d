package api

import "net/http"

// volumeRoutes: volumes (h16c).
func (s *Server) volumeRoutes(mux *http.ServeMux) {}
