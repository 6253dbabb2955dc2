// Package lambdatune keeps serverless functions fast and cheap without a human in the loop.
package lambdatune
