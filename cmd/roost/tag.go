package main

import (
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/image"
)

func newTagCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "tag IMAGE TARGET_NAME [TARGET_NAME...]",
		Short: "Give an image more names",
		Long:  "Give an image more names. A name without a registry is stored under localhost/, and a name without a tag gets :latest.",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			store, err := a.Store()
			if err != nil {
				return err
			}
			return image.Tag(store, args[0], args[1:], a.cfg.Events)
		},
	}
}

func newUntagCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "untag IMAGE [NAME...]",
		Short: "Remove names from an image",
		Long:  "Remove the given names from an image, or all its names when none are given (the image stays, without a name).",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			store, err := a.Store()
			if err != nil {
				return err
			}
			_, err = image.Untag(store, args[0], args[1:], a.cfg.Events)
			return err
		},
	}
}
