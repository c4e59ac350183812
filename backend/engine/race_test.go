//go:build race

package engine

// soakPerHour is the soak test's load per simulated hour; the race detector makes each event
// about twenty times dearer, so it runs a lighter week.
const soakPerHour = 10

// splitRecords is how many records the split distribution test sends through a split; the
// full 10,000 runs without the race detector (norace_test.go), where the ±5 % claim is made.
// The paths are a hash of fixed ids, so the smaller run is as deterministic as the full one.
const splitRecords = 500
