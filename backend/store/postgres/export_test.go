package postgres

// ElectEveryFor is Elect with its own pace, so tests need not wait whole seconds per round.
var ElectEveryFor = elect
