package awsadapter

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lambdatune/lambdatune"
)

// OpError is a failed AWS call: the function, the operation and, when the call was retried, how many
// attempts were made. It wraps the SDK's error (use errors.As with the SDK's typed exceptions, e.g.
// *types.ResourceNotFoundException).
type OpError struct {
	Function string // the function name or ARN
	Op       string // the API operation, e.g. "UpdateFunctionConfiguration"
	Attempts int    // calls made, retries included
	Err      error
}

// Error describes the failed call: function, operation, cause and attempts.
func (e *OpError) Error() string {
	s := fmt.Sprintf("awsadapter: function %q: %s: %v", e.Function, e.Op, e.Err)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// ErrManagedByAutoScaling is returned (wrapped) by Apply for a provisioned concurrency change on an
// alias that Application Auto Scaling manages (see WithAutoScaling). Nothing is applied.
var ErrManagedByAutoScaling = errors.New("awsadapter: provisioned concurrency is managed by Application Auto Scaling")

// Part is one independently applied part of a configuration change.
type Part string

// The parts of a change, in the order Apply considers them. Reserved and provisioned concurrency
// swap places when provisioned concurrency shrinks, so that provisioned never exceeds reserved.
const (
	// PartFunctionConfig is memory, timeout and ephemeral storage: UpdateFunctionConfiguration on
	// $LATEST, then a wait until LastUpdateStatus is Successful.
	PartFunctionConfig Part = "function-configuration"
	// PartAlias is PublishVersion and UpdateAlias, which make a new function configuration take
	// effect on the tuned alias (published versions are immutable).
	PartAlias Part = "alias"
	// PartReserved is Put/DeleteFunctionConcurrency.
	PartReserved Part = "reserved-concurrency"
	// PartProvisioned is Put/DeleteProvisionedConcurrencyConfig on the alias, then a wait until READY.
	PartProvisioned Part = "provisioned-concurrency"
)

// ApplyError reports a change that failed part-way: exactly which parts were applied, which failed,
// which were not attempted, whether a rollback ran, and the configuration read back from AWS
// afterwards. A failed change is never left unreported: when Now could not be read, NowKnown is false
// and NowErr says why.
type ApplyError struct {
	Function string
	// From is the configuration before the change, To the one requested (after guardrails).
	From, To lambdatune.Config
	// Applied are the parts that completed, in order; Failed the part that failed with Err;
	// NotAttempted the parts after it.
	Applied      []Part
	Failed       Part
	NotAttempted []Part
	Err          error
	// RollbackTarget is the last known good configuration a rollback aimed at, when one ran.
	// RolledBack lists the parts the rollback re-applied; RollbackErr is its error (nil when it
	// succeeded or did not run).
	RollbackRan    bool
	RollbackTarget lambdatune.Config
	RolledBack     []Part
	RollbackErr    error
	// Now is the configuration read back after the failure (and after the rollback, when one ran).
	Now      lambdatune.Config
	NowKnown bool
	NowErr   error
}

// Error describes the failed change completely: the parts applied, failed and not attempted, the
// rollback, and the configuration now in force (or that it is unknown, and why).
func (e *ApplyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "awsadapter: function %q: change %v -> %v failed at %s (applied %s; not attempted %s): %v",
		e.Function, e.From, e.To, e.Failed, parts(e.Applied), parts(e.NotAttempted), e.Err)
	if e.RollbackRan {
		if e.RollbackErr != nil {
			fmt.Fprintf(&b, "; rollback to %v FAILED after re-applying %s: %v", e.RollbackTarget, parts(e.RolledBack), e.RollbackErr)
		} else {
			fmt.Fprintf(&b, "; rolled back to %v (re-applied %s)", e.RollbackTarget, parts(e.RolledBack))
		}
	}
	if e.NowKnown {
		fmt.Fprintf(&b, "; now in force: %v", e.Now)
	} else {
		fmt.Fprintf(&b, "; configuration now in force UNKNOWN: %v", e.NowErr)
	}
	return b.String()
}

// Unwrap returns the error of the failed part and the rollback's error, if any.
func (e *ApplyError) Unwrap() []error {
	errs := []error{e.Err}
	if e.RollbackErr != nil {
		errs = append(errs, e.RollbackErr)
	}
	return errs
}

func parts(ps []Part) string {
	if len(ps) == 0 {
		return "none"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
