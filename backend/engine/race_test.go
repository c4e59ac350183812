//go:build race

package engine

// soakPerHour is the soak test's load per simulated hour; the race detector makes each event
// about twenty times dearer, so it runs a lighter week.
const soakPerHour = 10
