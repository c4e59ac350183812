package postgres

// ElectEveryFor is Elect with its own pace, so tests need not wait whole seconds per round.
var ElectEveryFor = elect

// MigrateFS is the migrator over migrations of the test's own.
var MigrateFS = migrateFS
