package a2c

import "github.com/lambdatune/lambdatune/rl/nn"

var optimizers = []any{nn.RMSprop{}, nn.Adam{}}
