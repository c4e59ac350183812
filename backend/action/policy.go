package action

import (
	"fmt"
	"net/netip"
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

// builtinDeny lists addresses refused unless an allow entry names them by IP or CIDR:
// link-local ranges (which hold the cloud metadata services) and AWS's IPv6 metadata address.
var builtinDeny = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, incl. 169.254.169.254 (AWS, GCP, Azure metadata)
	netip.MustParsePrefix("fe80::/10"),      // IPv6 link-local
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// destPolicy is one allow/deny list (the global one from Config, or a workflow's own).
type destPolicy struct {
	allowHosts, denyHosts []string // lower-case names; "*.example.com" matches subdomains
	allowNets, denyNets   []netip.Prefix
}

// parsePolicy compiles allow and deny entries: host names, "*.domain", IP addresses or CIDRs.
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
			}
		}
	}
	return p, nil
}

func (p destPolicy) empty() bool {
	return len(p.allowHosts)+len(p.denyHosts)+len(p.allowNets)+len(p.denyNets) == 0
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

func netMatches(nets []netip.Prefix, ip netip.Addr) bool {
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// policySet is every policy a request must pass (global and workflow), plus the built-in
// deny list.
type policySet []destPolicy

// key identifies a policy set, so requests under the same policies share a connection pool.
func (ps policySet) key() string {
	return fmt.Sprint([]destPolicy(ps))
}

// check decides a destination. host is the name from the URL (or an IP literal); ip is the
// address about to be dialled, or invalid when not known yet (before DNS resolution): then
// only what the name alone decides is refused, and the dialer checks again with the address.
func (ps policySet) check(host string, ip netip.Addr) error {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if !ip.IsValid() {
		if a, err := netip.ParseAddr(host); err == nil {
			ip = a
		}
	}
	known := ip.IsValid()
	ip = ip.Unmap()
	refuse := func(format string, args ...any) error {
		return &PolicyError{Host: host, Reason: fmt.Sprintf(format, args...)}
	}
	if known && netMatches(builtinDeny, ip) {
		allowed := false
		for _, p := range ps {
			allowed = allowed || netMatches(p.allowNets, ip)
		}
		if !allowed {
			return refuse("%s is a link-local or cloud metadata address, refused by default (allow it by IP or CIDR in the workflow's policy if you really mean it)", ip)
		}
	}
	for _, p := range ps {
		if hostMatches(p.denyHosts, host) {
			return refuse("it is on the deny list")
		}
		if known && netMatches(p.denyNets, ip) {
			return refuse("its address %s is on the deny list", ip)
		}
		if len(p.allowHosts)+len(p.allowNets) == 0 || hostMatches(p.allowHosts, host) {
			continue
		}
		if known {
			if !netMatches(p.allowNets, ip) {
				return refuse("its address %s is not on the allow list", ip)
			}
		} else if len(p.allowNets) == 0 {
			return refuse("it is not on the allow list")
		}
	}
	return nil
}

// policiesFor combines the global policy with a workflow's own.
func (w *Webhook) policiesFor(def *workflow.Definition) (policySet, error) {
	ps := policySet{w.global}
	if def != nil && def.Policy != nil {
		p, err := parsePolicy(def.Policy.Allow, def.Policy.Deny)
		if err != nil {
			return nil, fmt.Errorf("the workflow's destination policy: %w", err)
		}
		if !p.empty() {
			ps = append(ps, p)
		}
	}
	return ps, nil
}
