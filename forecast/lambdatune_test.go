package forecast_test

import (
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/forecast"
)

// Every forecaster of the package plugs into the Tuner as it is, and the
// quantile forecasters are what a provisioning policy asks for.
var (
	_ lambdatune.Forecaster         = (*forecast.GBDT)(nil)
	_ lambdatune.Forecaster         = forecast.LastValue{}
	_ lambdatune.Forecaster         = forecast.SeasonalNaive{}
	_ lambdatune.Forecaster         = forecast.MovingAverage{}
	_ lambdatune.Forecaster         = forecast.EWMA{}
	_ lambdatune.Forecaster         = (*forecast.HoltWinters)(nil)
	_ lambdatune.Forecaster         = (*forecast.TSB)(nil)
	_ lambdatune.QuantileForecaster = (*forecast.Auto)(nil)
	_ lambdatune.QuantileForecaster = (*forecast.Conformal)(nil)
	_ forecast.QuantileForecaster   = (*forecast.Auto)(nil)
	_ forecast.QuantileForecaster   = (*forecast.Conformal)(nil)

	_ forecast.QuantileForecaster   = lambdatune.QuantileForecaster(nil)
	_ lambdatune.QuantileForecaster = forecast.QuantileForecaster(nil)
)
