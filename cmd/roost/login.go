package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roost-containers/roost/pkg/image"
)

type loginFlags struct {
	registry                registryFlags
	username, password      string
	passwordStdin, getLogin bool
}

func newLoginCommand(a *app) *cobra.Command {
	var f loginFlags
	cmd := &cobra.Command{
		Use:         "login [options] [REGISTRY]",
		Short:       "Log in to a registry",
		Long:        "Check a user name and password with a registry and store them in the auth file\n($XDG_RUNTIME_DIR/containers/auth.json unless --authfile or REGISTRY_AUTH_FILE say otherwise).",
		Args:        cobra.MaximumNArgs(1),
		Annotations: map[string]string{noNamespace: "true"},
		RunE: func(c *cobra.Command, args []string) error {
			server, err := serverArg(a, args)
			if err != nil {
				return err
			}
			return a.login(c, f, server)
		},
	}
	fl := cmd.Flags()
	f.registry.add(fl)
	fl.StringVarP(&f.username, "username", "u", "", "user name")
	fl.StringVarP(&f.password, "password", "p", "", "password (visible to other users in the process list: prefer --password-stdin)")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input")
	fl.BoolVar(&f.getLogin, "get-login", false, "print the user name stored for the registry")
	return cmd
}

func serverArg(a *app, args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	return image.DefaultLoginServer(a.cfg)
}

func (a *app) login(c *cobra.Command, f loginFlags, server string) error {
	opts := f.registry.options(c)
	if f.getLogin {
		creds, err := image.StoredLogin(a.cfg, server, opts)
		if err != nil {
			return err
		}
		fmt.Fprintln(a.out, creds.Username)
		return nil
	}
	if f.username == "" && f.password == "" && !f.passwordStdin {
		if done, err := a.loginWithStored(c, server, opts); done || err != nil {
			return err
		}
	}
	creds, err := a.askCredentials(f)
	if err != nil {
		return err
	}
	if err := image.Login(c.Context(), a.cfg, server, creds, opts); err != nil {
		return err
	}
	fmt.Fprintln(a.out, "Login Succeeded!")
	return nil
}

// loginWithStored reuses credentials already stored, when they still work,
// as Podman does for a bare `login REGISTRY`.
func (a *app) loginWithStored(c *cobra.Command, server string, opts image.RegistryOptions) (bool, error) {
	creds, err := image.StoredLogin(a.cfg, server, opts)
	if err != nil {
		return false, nil
	}
	fmt.Fprintln(a.out, "Authenticating with existing credentials for "+server)
	if err := image.CheckLogin(c.Context(), a.cfg, server, creds, opts); err != nil {
		fmt.Fprintln(a.out, "Existing credentials are invalid, please enter valid username and password")
		return false, nil
	}
	fmt.Fprintln(a.out, "Existing credentials are valid. Already logged in to "+server)
	return true, nil
}

// askCredentials takes the user name and password from the flags, standard
// input, or prompts on a terminal.
func (a *app) askCredentials(f loginFlags) (image.Credentials, error) {
	creds := image.Credentials{Username: f.username, Password: f.password}
	if f.passwordStdin {
		if f.password != "" {
			return creds, errors.New("--password and --password-stdin cannot be used together")
		}
		if f.username == "" {
			return creds, errors.New("--password-stdin needs --username")
		}
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return creds, fmt.Errorf("read the password from standard input: %w", err)
		}
		creds.Password = strings.TrimRight(string(b), "\r\n")
		return creds, nil
	}
	if creds.Username != "" && creds.Password != "" {
		return creds, nil
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return creds, errors.New("a user name and password are needed: pass --username and --password or --password-stdin")
	}
	return prompt(a, creds)
}

func prompt(a *app, creds image.Credentials) (image.Credentials, error) {
	if creds.Username == "" {
		fmt.Fprint(a.out, "Username: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil {
			return creds, fmt.Errorf("read the user name: %w", err)
		}
		creds.Username = strings.TrimSpace(line)
	}
	if creds.Password == "" {
		fmt.Fprint(a.out, "Password: ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(a.out)
		if err != nil {
			return creds, fmt.Errorf("read the password: %w", err)
		}
		creds.Password = string(b)
	}
	if creds.Username == "" || creds.Password == "" {
		return creds, errors.New("a user name and password are needed")
	}
	return creds, nil
}

func newLogoutCommand(a *app) *cobra.Command {
	var all bool
	var authFile string
	cmd := &cobra.Command{
		Use:         "logout [options] [REGISTRY]",
		Short:       "Remove the stored credentials for a registry",
		Args:        cobra.MaximumNArgs(1),
		Annotations: map[string]string{noNamespace: "true"},
		RunE: func(_ *cobra.Command, args []string) error {
			opts := image.RegistryOptions{AuthFile: authFile}
			if all {
				if err := image.LogoutAll(a.cfg, opts); err != nil {
					return err
				}
				fmt.Fprintln(a.out, "Removed login credentials for all registries")
				return nil
			}
			server, err := serverArg(a, args)
			if err != nil {
				return err
			}
			if err := image.Logout(a.cfg, server, opts); err != nil {
				return err
			}
			fmt.Fprintln(a.out, "Removed login credentials for "+server)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove the credentials for every registry")
	cmd.Flags().StringVar(&authFile, "authfile", "", "credentials file (default $XDG_RUNTIME_DIR/containers/auth.json)")
	return cmd
}
