package action

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

// PolicyError is a destination refused by the outgoing-request policy. It is permanent: the
// request was never sent (or a redirect was not followed), so retrying would not help.
type PolicyError struct {
	Host   string
	Reason string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("the destination %q is not allowed: %s", e.Host, e.Reason)
}

// metadata is every cloud metadata service Flowdesk knows of, in one place: refused as a
// destination unless a policy's allow list names the address by IP or CIDR (or the name, for
// the names). docs/security.md lists them.
var metadata = struct {
	nets  []netip.Prefix
	hosts []string
}{
	nets: []netip.Prefix{
		// IPv4 link-local: 169.254.169.254 (AWS, GCP, Azure, Oracle, OpenStack, DigitalOcean,
		// Hetzner, Huawei), 169.254.170.2 (AWS ECS task credentials), 169.254.0.23 (Tencent).
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/10"),          // IPv6 link-local
		netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS, IPv6
		netip.MustParsePrefix("fd00:ec2::23/128"),   // AWS Route 53 resolver, IPv6
		netip.MustParsePrefix("fd20:ce::254/128"),   // GCP, IPv6
		netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud
		netip.MustParsePrefix("168.63.129.16/32"),   // Azure WireServer
		netip.MustParsePrefix("192.0.0.192/32"),     // Oracle Cloud (classic)
	},
	hosts: []string{"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
		"metadata.tencentyun.com"},
}

// loopbackNets are the addresses that reach this machine: 127.0.0.0/8 and ::1, and 0.0.0.0/8
// and :: too, which a connect() sends to the loopback interface.
var loopbackNets = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("::/128"),
}

// loopbackAddr reports whether ip reaches this machine without leaving it.
func loopbackAddr(ip netip.Addr) bool { return netMatches(loopbackNets, ip.Unmap()) }

// loopbackName reports whether a host name is one the resolver answers with a loopback address.
func loopbackName(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// forms are the addresses ip stands for when matched against a list: itself, and for 0.0.0.0/8
// and :: the loopback addresses a connection to them reaches, so that a deny of 127.0.0.0/8 or
// ::1 cannot be bypassed by writing 0.0.0.0 or [::].
func forms(ip netip.Addr) []netip.Addr {
	out := []netip.Addr{ip}
	if ip.Is4() && ip.As4()[0] == 0 || ip == netip.IPv6Unspecified() {
		out = append(out, netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback())
	}
	return out
}

// destPolicy is one allow/deny list (the global one from Config, or a workflow's own).
type destPolicy struct {
	allowHosts, denyHosts []string // lower-case names; "*.example.com" matches subdomains
	allowNets, denyNets   []netip.Prefix
	noLoopback            bool // "loopback": false
}

// parsePolicy compiles allow and deny entries: host names, "*.domain", IP addresses or CIDRs.
// "localhost" stands for the loopback addresses too, since the resolver answers it with them.
func parsePolicy(allow, deny []string) (destPolicy, error) {
	var p destPolicy
	for _, l := range []struct {
		entries []string
		hosts   *[]string
		nets    *[]netip.Prefix
	}{{allow, &p.allowHosts, &p.allowNets}, {deny, &p.denyHosts, &p.denyNets}} {
		for _, e := range l.entries {
			e = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(e), "."))
			switch {
			case e == "":
				return p, fmt.Errorf("an empty destination entry")
			case strings.Contains(e, "/"):
				pfx, err := netip.ParsePrefix(e)
				if err != nil {
					return p, fmt.Errorf("%q is not a valid CIDR range", e)
				}
				*l.nets = append(*l.nets, pfx.Masked())
			default:
				if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
					a = a.Unmap()
					*l.nets = append(*l.nets, netip.PrefixFrom(a, a.BitLen()))
					continue
				}
				*l.hosts = append(*l.hosts, e)
				if e == "localhost" {
					*l.nets = append(*l.nets, loopbackNets[:2]...)
				}
			}
		}
	}
	return p, nil
}

// workflowPolicy compiles a workflow's "policy" (nil: none).
func workflowPolicy(op *workflow.OutboundPolicy) (destPolicy, error) {
	if op == nil {
		return destPolicy{}, nil
	}
	p, err := parsePolicy(op.Allow, op.Deny)
	p.noLoopback = op.Loopback != nil && !*op.Loopback
	return p, err
}

func (p destPolicy) empty() bool {
	return len(p.allowHosts)+len(p.denyHosts)+len(p.allowNets)+len(p.denyNets) == 0 && !p.noLoopback
}

func hostMatches(entries []string, host string) bool {
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e, "*."); ok {
			if strings.HasSuffix(host, "."+rest) {
				return true
			}
		} else if host == e {
			return true
		}
	}
	return false
}

func netMatches(nets []netip.Prefix, ips ...netip.Addr) bool {
	for _, n := range nets {
		for _, ip := range ips {
			if n.Contains(ip) {
				return true
			}
		}
	}
	return false
}

// policySet is everything a request must pass: the built-in refusals (Flowdesk's own
// addresses, cloud metadata), then every policy (global and workflow).
type policySet struct {
	lists []destPolicy
	self  []netip.AddrPort // Flowdesk's own listeners: always refused
}

// key identifies a policy set, so requests under the same policies share a connection pool.
func (ps policySet) key() string { return fmt.Sprint(ps.lists, ps.self) }

// checkURL decides a URL before anything is resolved: what its host name or IP literal alone
// decides (the dialer checks the resolved address again).
func (ps policySet) checkURL(u *url.URL) error {
	return ps.check(u.Hostname(), urlPort(u), netip.Addr{})
}

// urlPort is a URL's port, or its scheme's default.
func urlPort(u *url.URL) uint16 {
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
		return uint16(p)
	}
	if strings.EqualFold(u.Scheme, "https") {
		return 443
	}
	return 80
}

// check decides a destination. host is the name from the URL (or an IP literal), port the port
// dialled; ip is the address about to be dialled, or invalid when not known yet (before DNS
// resolution): then only what the name alone decides is refused, and the dialer checks again
// with the address, on every connection of every hop.
func (ps policySet) check(host string, port uint16, ip netip.Addr) error {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if !ip.IsValid() {
		if a, err := netip.ParseAddr(host); err == nil {
			ip = a
		}
	}
	known := ip.IsValid()
	ip = ip.Unmap()
	ips := forms(ip)
	refuse := func(format string, args ...any) error {
		return &PolicyError{Host: host, Reason: fmt.Sprintf(format, args...)}
	}
	if known && ps.isSelf(ip, port) {
		return refuse("%s is Flowdesk's own address; a workflow may not call Flowdesk's API or webhook listener (post to the receiving service instead)",
			netip.AddrPortFrom(ip, port))
	}
	if hostMatches(metadata.hosts, host) || known && netMatches(metadata.nets, ips...) {
		allowed := false // by IP or CIDR only; for a name, the dialer decides on its address
		for _, p := range ps.lists {
			allowed = allowed || known && netMatches(p.allowNets, ip) || !known && len(p.allowNets) > 0
		}
		if !allowed {
			what := host
			if known {
				what = ip.String()
			}
			return refuse("%s is a link-local or cloud metadata address, refused by default (allow it by IP or CIDR in the workflow's policy if you really mean it)", what)
		}
	}
	for _, p := range ps.lists {
		if p.noLoopback && (loopbackName(host) || known && loopbackAddr(ip)) {
			return refuse("it is this machine (a loopback address), and the workflow's policy says \"loopback\": false")
		}
		if hostMatches(p.denyHosts, host) {
			return refuse("it is on the deny list")
		}
		if known && netMatches(p.denyNets, ips...) {
			return refuse("its address %s is on the deny list", ip)
		}
		if len(p.allowHosts)+len(p.allowNets) == 0 || hostMatches(p.allowHosts, host) {
			continue
		}
		if known {
			if !netMatches(p.allowNets, ips...) {
				return refuse("its address %s is not on the allow list", ip)
			}
		} else if len(p.allowNets) == 0 {
			return refuse("it is not on the allow list")
		}
	}
	return nil
}

// isSelf reports whether (ip, port) reaches one of Flowdesk's own listeners: the same address,
// or, for a listener on 0.0.0.0 or ::, any address of this machine; 0.0.0.0 and :: reach every
// local listener.
func (ps policySet) isSelf(ip netip.Addr, port uint16) bool {
	for _, s := range ps.self {
		if s.Port() != port {
			continue
		}
		own := s.Addr().Unmap()
		if own == ip || ip.IsUnspecified() || ip.Is4() && ip.As4()[0] == 0 ||
			own.IsUnspecified() && (loopbackAddr(ip) || localAddr(ip)) {
			return true
		}
	}
	return false
}

// localAddr reports whether ip is one of this machine's interface addresses.
func localAddr(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if own, ok := netip.AddrFromSlice(n.IP); ok && own.Unmap() == ip {
				return true
			}
		}
	}
	return false
}

// policiesFor combines the global policy with a workflow's own (def nil: the global one only).
func (w *Webhook) policiesFor(def *workflow.Definition) (policySet, error) {
	ps := policySet{lists: []destPolicy{w.global}, self: w.cfg.Self}
	if def != nil && def.Policy != nil {
		p, err := workflowPolicy(def.Policy)
		if err != nil {
			return policySet{}, fmt.Errorf("the workflow's destination policy: %w", err)
		}
		if !p.empty() {
			ps.lists = append(ps.lists, p)
		}
	}
	return ps, nil
}
