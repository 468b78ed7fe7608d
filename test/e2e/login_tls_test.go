package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tlsRegistry is a docker-registry serving HTTPS with a certificate of the
// test's own CA, requiring a client certificate of that CA and htpasswd auth.
type tlsRegistry struct {
	addr                        string // 127.0.0.1:PORT
	ca, clientCert, clientKey   string // PEM
	serverCertPEM, serverKeyPEM string
}

// pemCert makes a certificate signed by parent (self-signed when nil).
func pemCert(t *testing.T, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key,
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
}

func newTLSMaterial(t *testing.T) *tlsRegistry {
	now := time.Now()
	caT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "roost test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	ca, caKey, caPEM, _ := pemCert(t, caT, nil, nil)
	srvT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	_, _, srvPEM, srvKey := pemCert(t, srvT, ca, caKey)
	cliT := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "roost client"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	_, _, cliPEM, cliKey := pemCert(t, cliT, ca, caKey)
	return &tlsRegistry{ca: caPEM, clientCert: cliPEM, clientKey: cliKey, serverCertPEM: srvPEM, serverKeyPEM: srvKey}
}

// startTLSRegistry runs docker-registry on a free port until the test ends.
func startTLSRegistry(t *testing.T) *tlsRegistry {
	t.Helper()
	r := newTLSMaterial(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hp, err := exec.Command("htpasswd", "-Bbn", authUser, authPass).Output()
	if err != nil {
		t.Fatalf("htpasswd: %v", err)
	}
	r.addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: %s
  tls:
    certificate: %s
    key: %s
    clientcas:
      - %s
auth:
  htpasswd:
    realm: roost-tls
    path: %s
`, filepath.Join(dir, "data"), r.addr, write("server.crt", r.serverCertPEM), write("server.key", r.serverKeyPEM),
		write("ca.crt", r.ca), write("htpasswd", string(hp)))
	cmd := exec.Command("/usr/bin/docker-registry", "serve", write("config.yml", cfg))
	log, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Wait for the TLS listener: a client with the CA and the client
	// certificate gets 401 (auth required) once it serves.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(r.ca))
	pair, err := tls.X509KeyPair([]byte(r.clientCert), []byte(r.clientKey))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}}}
	eventually(t, 30*time.Second, func() error {
		resp, err := hc.Get("https://" + r.addr + "/v2/")
		if err != nil {
			b, _ := os.ReadFile(log.Name())
			return fmt.Errorf("registry not answering: %v\n%s", err, b)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("registry answered %d", resp.StatusCode)
		}
		return nil
	})
	return r
}

// TestLoginTLSCertsDir: login to an HTTPS registry that needs a client
// certificate works with the CA and the client pair in the user's
// ~/.config/containers/certs.d/HOST:PORT/, or in --cert-dir; without them
// it fails with one line and stores nothing; logout --all forgets it.
func TestLoginTLSCertsDir(t *testing.T) {
	e := newEnv(t)
	r := startTLSRegistry(t)
	authFile := filepath.Join(e.RuntimeDir, "containers", "auth.json")

	// No certificates anywhere: the server's is not trusted.
	msg := e.roostFails(125, "login", "-u", authUser, "-p", authPass, r.addr)
	if !strings.Contains(msg, r.addr) || strings.Count(msg, "\n") > 1 {
		t.Fatalf("login without the CA: %q", msg)
	}
	if _, err := os.Stat(authFile); err == nil {
		t.Fatal("a failed login wrote the auth file")
	}

	// --cert-dir with the CA and the client pair.
	certDir := filepath.Join(".certs", "mine")
	e.writeFile(filepath.Join(certDir, "ca.crt"), r.ca)
	e.writeFile(filepath.Join(certDir, "client.cert"), r.clientCert)
	e.writeFile(filepath.Join(certDir, "client.key"), r.clientKey)
	if out := e.roostOK("login", "--cert-dir", filepath.Join(e.Home, certDir), "-u", authUser, "-p", authPass, r.addr); out != "Login Succeeded!\n" {
		t.Fatalf("login --cert-dir printed %q", out)
	}
	if got := e.roostOK("login", "--get-login", r.addr); got != authUser+"\n" {
		t.Fatalf("--get-login printed %q", got)
	}
	if out := e.roostOK("logout", "--all"); out != "Removed login credentials for all registries\n" {
		t.Fatalf("logout --all printed %q", out)
	}
	if msg := e.roostFails(125, "login", "--get-login", r.addr); !strings.Contains(msg, "not logged into "+r.addr) {
		t.Fatalf("--get-login after logout --all: %q", msg)
	}

	// The per-user certs.d directory of the registry, found by itself;
	// the password from standard input.
	hostDir := filepath.Join(".config", "containers", "certs.d", r.addr)
	e.writeFile(filepath.Join(hostDir, "ca.crt"), r.ca)
	e.writeFile(filepath.Join(hostDir, "client.cert"), r.clientCert)
	e.writeFile(filepath.Join(hostDir, "client.key"), r.clientKey)
	res := e.runInput(strings.NewReader(authPass+"\n"), filepath.Join(binDir, "roost"), "login", "-u", authUser, "--password-stdin", r.addr)
	if res.Code != 0 || res.Stdout != "Login Succeeded!\n" {
		t.Fatalf("login with certs.d: %s", res)
	}
	// --tls-verify=false does not help without the client certificate the
	// registry demands: the failure is one line, not a hang.
	e.roostOK("logout", r.addr)
	if msg := e.roostFails(125, "login", "--tls-verify=false", "--cert-dir", filepath.Join(e.Home, "nowhere"), "-u", authUser, "-p", authPass, r.addr); strings.Count(msg, "\n") > 1 {
		t.Fatalf("login without client certificate: %q", msg)
	}
}
