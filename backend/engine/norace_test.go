//go:build !race

package engine

// soakPerHour is the soak test's load per simulated hour (see race_test.go).
const soakPerHour = 60

// splitRecords is how many records the split distribution test sends through a split.
const splitRecords = 10000
