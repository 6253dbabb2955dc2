package main

import (
	"testing"

	"github.com/lambdatune/lambdatune/env"
)

func TestThermostatPassesCheck(t *testing.T) {
	e, err := NewThermostat()
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Check(e); err != nil {
		t.Fatal(err)
	}
}

func TestBaselinesOrdered(t *testing.T) {
	e, err := NewThermostat()
	if err != nil {
		t.Fatal(err)
	}
	rule, _, err := evaluate(e, func(obs []float64) float64 {
		if obs[0] < 0 {
			return 2
		}
		return 0
	}, 5)
	if err != nil {
		t.Fatal(err)
	}
	off, _, err := evaluate(e, func([]float64) float64 { return 0 }, 5)
	if err != nil {
		t.Fatal(err)
	}
	if rule <= off {
		t.Errorf("bang-bang rule %.1f should beat heater off %.1f", rule, off)
	}
}
