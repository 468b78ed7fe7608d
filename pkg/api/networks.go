package api

import (
	"errors"
	"fmt"
	"net/http"

	dockernet "github.com/moby/moby/api/types/network"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/network"
)

// networkRoutes: networks. What Docker clients see of Roost's networks
// (the default one named bridge, host and none listed) is in
// networks_view.go.
func (s *Server) networkRoutes(mux *http.ServeMux) {
	mux.Handle("GET /networks", endpoint(s.networkList))
	mux.Handle("GET /networks/{id}", endpoint(s.networkInspect))
	mux.Handle("POST /networks/create", endpoint(s.networkCreate))
	mux.Handle("POST /networks/{id}/connect", endpoint(s.networkConnect))
	mux.Handle("POST /networks/{id}/disconnect", endpoint(s.networkDisconnect))
	mux.Handle("DELETE /networks/{id}", endpoint(s.networkDelete))
	mux.Handle("POST /networks/prune", endpoint(s.networkPrune))
}

// forbidden is Docker's 403: what it refuses on its predefined networks
// and on networks that still have members.
func forbidden(err error) error { return &statusError{http.StatusForbidden, err} }

func (s *Server) networkList(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	keep, err := networkListFilter(f)
	if err != nil {
		return err
	}
	views, err := s.networkViews(r.Context())
	if err != nil {
		return err
	}
	out := []dockernet.Summary{}
	for _, v := range views {
		if keep(v) {
			out = append(out, dockernet.Summary{Network: v.summary()})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) networkInspect(w http.ResponseWriter, r *http.Request) error {
	v, err := s.findNetwork(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v.inspect())
	return nil
}

func (s *Server) networkCreate(w http.ResponseWriter, r *http.Request) error {
	var req dockernet.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	o, err := createOptions(req)
	if err != nil {
		return err
	}
	if o.Name == container.NetHost || o.Name == container.NetNone {
		return conflict(fmt.Errorf("network with name %s already exists: it is a pre-defined network; choose another name", o.Name))
	}
	n, err := s.eng.Networks().Create(o)
	switch {
	case errors.Is(err, network.ErrExists):
		return conflict(err)
	case errors.Is(err, network.ErrInvalid):
		return badRequest(err)
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusCreated, dockernet.CreateResponse{ID: n.ID})
	return nil
}

func (s *Server) networkConnect(w http.ResponseWriter, r *http.Request) error {
	var req dockernet.ConnectRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	n, err := s.memberNetwork(r, req.Container)
	if err != nil {
		return err
	}
	nr := network.Request{Network: n.Name}
	if ec := req.EndpointConfig; ec != nil {
		nr.Aliases = ec.Aliases
		if ec.IPAMConfig != nil {
			if ec.IPAMConfig.IPv6Address.IsValid() {
				return badRequest(errors.New("invalid IPv6Address: Roost's networks give IPv4 addresses only"))
			}
			if a := ec.IPAMConfig.IPv4Address; a.IsValid() {
				nr.IP = a.String()
			}
		}
	}
	ce, err := s.eng.Containers()
	if err != nil {
		return err
	}
	if err := ce.Connect(r.Context(), req.Container, nr); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) networkDisconnect(w http.ResponseWriter, r *http.Request) error {
	var req dockernet.DisconnectRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	n, err := s.memberNetwork(r, req.Container)
	if err != nil {
		return err
	}
	ce, err := s.eng.Containers()
	if err != nil {
		return err
	}
	if err := ce.Disconnect(r.Context(), req.Container, n.Name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// memberNetwork resolves the network of a connect or disconnect: one of
// Roost's, since host and none have no members to add or take away.
func (s *Server) memberNetwork(r *http.Request, container string) (*network.Network, error) {
	if container == "" {
		return nil, badRequest(errors.New("no container given: set Container in the request body"))
	}
	v, err := s.findNetwork(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if v.mode != "" {
		return nil, forbidden(fmt.Errorf("container cannot be connected to or disconnected from the %s network: run it with --network %s instead", v.mode, v.mode))
	}
	return v.n, nil
}

func (s *Server) networkDelete(w http.ResponseWriter, r *http.Request) error {
	v, err := s.findNetwork(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if v.builtin() {
		return forbidden(fmt.Errorf("%s is a pre-defined network and cannot be removed", v.name()))
	}
	_, err = s.eng.RemoveNetwork(r.Context(), v.n.ID, engine.NetworkRemoveOptions{})
	if errors.Is(err, network.ErrInUse) {
		err = forbidden(err)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) networkPrune(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err == nil {
		err = f.only("label", "label!", "until")
	}
	var match network.Filter
	if err == nil {
		match, err = network.ParseFilter(f.podmanStyle(), network.PruneFilterKeys)
		if err != nil {
			err = badRequest(err)
		}
	}
	if err != nil {
		return err
	}
	removed, err := s.eng.PruneNetworks(r.Context(), match.Match)
	if err != nil {
		return err
	}
	if removed == nil {
		removed = []string{}
	}
	writeJSON(w, http.StatusOK, dockernet.PruneReport{NetworksDeleted: removed})
	return nil
}
