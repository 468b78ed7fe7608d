package dns

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// ttl of our answers: short, a container's address changes when it restarts.
const ttl = 5

// answer replies from the records of the network the question arrived on
// (by its gateway), or returns nil when the question is for upstream.
// Names of this network's members get their addresses; a single-label name,
// a name under Domain, or a member of another network gets NXDOMAIN, so no
// network learns about another's members and container names never leak
// upstream.
func answer(recs map[string]Records, gateway string, req *dns.Msg) *dns.Msg {
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		return m.SetRcode(req, dns.RcodeFormatError)
	}
	q := req.Question[0]
	name := localName(q.Name)
	var own Records
	for _, r := range recs {
		if r.Gateway == gateway {
			own = r
		}
	}
	if ips, ok := own.Names[name]; ok {
		return addresses(req, q, ips)
	}
	if !strings.Contains(name, ".") || underDomain(q.Name) || anyNetworkHas(recs, name) {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeNameError)
		m.Authoritative = true
		return m
	}
	return nil
}

// localName is the question's name as the records spell it: lower case,
// without the final dot or our search domain.
func localName(qname string) string {
	n := strings.ToLower(strings.TrimSuffix(qname, "."))
	for _, d := range []string{Domain, OldDomain} {
		n = strings.TrimSuffix(n, "."+d)
	}
	return n
}

// underDomain says whether a question names something under our domains.
func underDomain(qname string) bool {
	n := strings.ToLower(strings.TrimSuffix(qname, "."))
	return strings.HasSuffix(n, "."+Domain) || strings.HasSuffix(n, "."+OldDomain)
}

func anyNetworkHas(recs map[string]Records, name string) bool {
	for _, r := range recs {
		if _, ok := r.Names[name]; ok {
			return true
		}
	}
	return false
}

// addresses answers a member's name: A for its IPv4 addresses, AAAA for
// IPv6 ones, and an empty NOERROR for any other type (the name exists).
func addresses(req *dns.Msg, q dns.Question, ips []string) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: ttl}
	for _, s := range ips {
		ip := net.ParseIP(s)
		switch {
		case ip == nil:
		case q.Qtype == dns.TypeA && ip.To4() != nil:
			h := hdr
			h.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: h, A: ip.To4()})
		case q.Qtype == dns.TypeAAAA && ip.To4() == nil:
			h := hdr
			h.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: h, AAAA: ip})
		}
	}
	return m
}
