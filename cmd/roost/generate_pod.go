package main

import (
	"context"
	"errors"

	"github.com/roost-containers/roost/pods"
	"github.com/roost-containers/roost/systemd"
)

// podUnits makes the units of pod ref: the pod's and its members' (found
// false: no such pod).
func podUnits(a *app, ref string, o *systemd.Options) ([]systemd.Unit, bool, error) {
	m, err := a.Pods()
	if err != nil {
		return nil, false, err
	}
	p, err := m.Get(ref)
	if err != nil {
		return nil, false, nil
	}
	all, err := m.Containers(context.Background(), p)
	if err != nil {
		return nil, true, err
	}
	sp := systemd.Pod{ID: p.ID, Name: p.Name, InfraID: p.Infra, CreateArgs: p.CreateArgs}
	for _, c := range pods.Members(all) {
		sp.Members = append(sp.Members, systemd.Container{ID: c.ID, Name: c.Name, CreateArgs: c.CreateArgs, StopTimeout: c.Run.StopTimeout})
	}
	if len(all) == 0 {
		return nil, true, errors.New("pod " + p.Name + " has no containers")
	}
	units, err := systemd.PodUnits(sp, o)
	return units, true, err
}
