//go:build !race

package fakepypi

const raceEnabled = false
