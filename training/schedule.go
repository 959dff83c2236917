package training

import (
	"fmt"
	"math"
	"strings"
)

// Schedule gives the learning rate of each optimizer step from the optimizer's base rate, as torch's
// torch.optim.lr_scheduler classes do when scheduler.step() is called after every optimizer.step().
//
// LR(base, step) is the rate used by the update numbered step, counting from 0: the first update uses LR(base, 0).
// A schedule is a pure function of the step, so the step count alone (kept in checkpoints) is its position.
type Schedule interface {
	LR(base float64, step int) float64
	// Validate checks the parameters, as torch's constructors do.
	Validate() error
	String() string
}

// Constant keeps the base learning rate: Hugging Face's get_constant_schedule, or no scheduler in torch.
type Constant struct{}

// LR returns base.
func (Constant) LR(base float64, _ int) float64 { return base }

// Validate never fails.
func (Constant) Validate() error { return nil }

// String is the schedule's name.
func (Constant) String() string { return "constant" }

// LinearWithWarmup raises the rate linearly from 0 to base over WarmupSteps, then lowers it linearly to 0 at
// TrainingSteps (and keeps it at 0 after): Hugging Face's BERT-style schedule,
// get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps), which is torch's LambdaLR with
//
//	λ(t) = t / max(1, warmup)                                     if t < warmup
//	λ(t) = max(0, (total − t) / max(1, total − warmup))           otherwise
//
// and lr = base·λ(t). The first update (t = 0) has rate 0 when WarmupSteps > 0, as in Hugging Face.
//
// Google's original BERT (optimization.py) differs: its linear decay runs from step 0 over all TrainingSteps,
// base·(1 − t/total), and during warmup the rate is overridden by base·t/warmup, so after warmup it continues
// from base·(1 − warmup/total), not from base (with 10% warmup, 0.9·base at the end of warmup); and its
// AdamWeightDecayOptimizer has no bias correction (no 1 − βᵗ factors) and adds λθ to the Adam update before
// scaling by the rate. lossbook has neither; this type with Adam (Decoupled) is Hugging Face's recipe.
type LinearWithWarmup struct {
	WarmupSteps   int // num_warmup_steps
	TrainingSteps int // num_training_steps
}

// LR implements Schedule.
func (s LinearWithWarmup) LR(base float64, step int) float64 {
	if step < s.WarmupSteps {
		return base * (float64(step) / float64(max(1, s.WarmupSteps)))
	}
	return base * math.Max(0, float64(s.TrainingSteps-step)/float64(max(1, s.TrainingSteps-s.WarmupSteps)))
}

// Validate checks that the step counts are not negative and the warmup fits in the training.
func (s LinearWithWarmup) Validate() error {
	if s.WarmupSteps < 0 || s.TrainingSteps < 0 {
		return fmt.Errorf("linear schedule: steps must be >= 0, got num_warmup_steps=%d, num_training_steps=%d",
			s.WarmupSteps, s.TrainingSteps)
	}
	if s.WarmupSteps > s.TrainingSteps {
		return fmt.Errorf("linear schedule: num_warmup_steps=%d exceeds num_training_steps=%d", s.WarmupSteps,
			s.TrainingSteps)
	}
	return nil
}

// String gives the schedule with its Hugging Face arguments.
func (s LinearWithWarmup) String() string {
	return fmt.Sprintf("linear(num_warmup_steps=%d, num_training_steps=%d)", s.WarmupSteps, s.TrainingSteps)
}

// CosineAnnealingLR anneals the rate along half a cosine from base to EtaMin over TMax steps, without restarts:
// torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0),
//
//	lr(t) = η_min + (base − η_min)·(1 + cos(π t / T_max))/2
//
// As in torch, the curve goes on past TMax (it rises again over the next TMax steps); set TMax to the number of
// steps. (GoMLX's cosineschedule restarts every period: that is torch's CosineAnnealingWarmRestarts.) torch
// computes the same values recursively; they agree to rounding.
type CosineAnnealingLR struct {
	TMax   int     // T_max, steps in half a period
	EtaMin float64 // eta_min, the lowest rate
}

// LR implements Schedule.
func (s CosineAnnealingLR) LR(base float64, step int) float64 {
	return s.EtaMin + (base-s.EtaMin)*(1+math.Cos(math.Pi*float64(step)/float64(s.TMax)))/2
}

// Validate checks that TMax is positive.
func (s CosineAnnealingLR) Validate() error {
	if s.TMax <= 0 {
		return fmt.Errorf("CosineAnnealingLR: T_max must be > 0, got %d", s.TMax)
	}
	if math.IsNaN(s.EtaMin) || math.IsInf(s.EtaMin, 0) {
		return fmt.Errorf("CosineAnnealingLR: invalid eta_min %v", s.EtaMin)
	}
	return nil
}

// String gives the schedule with its torch arguments.
func (s CosineAnnealingLR) String() string {
	return fmt.Sprintf("CosineAnnealingLR(T_max=%d, eta_min=%g)", s.TMax, s.EtaMin)
}

// StepLR multiplies the rate by Gamma every StepSize steps: torch.optim.lr_scheduler.StepLR(optimizer,
// step_size, gamma=0.1), lr(t) = base·γ^⌊t/step_size⌋. NewStepLR gives torch's default gamma.
type StepLR struct {
	StepSize int     // step_size
	Gamma    float64 // gamma
}

// NewStepLR returns StepLR with torch's default gamma 0.1.
func NewStepLR(stepSize int) StepLR { return StepLR{StepSize: stepSize, Gamma: 0.1} }

// LR implements Schedule.
func (s StepLR) LR(base float64, step int) float64 {
	return base * math.Pow(s.Gamma, float64(step/s.StepSize))
}

// Validate checks that StepSize is positive and Gamma a number.
func (s StepLR) Validate() error {
	if s.StepSize <= 0 {
		return fmt.Errorf("StepLR: step_size must be > 0, got %d", s.StepSize)
	}
	if math.IsNaN(s.Gamma) || math.IsInf(s.Gamma, 0) || s.Gamma < 0 {
		return fmt.Errorf("StepLR: invalid gamma %v", s.Gamma)
	}
	return nil
}

// String gives the schedule with its torch arguments.
func (s StepLR) String() string {
	return fmt.Sprintf("StepLR(step_size=%d, gamma=%g)", s.StepSize, s.Gamma)
}

// ScheduleNames are the names NewSchedule knows (matched exactly, or else ignoring case).
var ScheduleNames = []string{"constant", "linear", "CosineAnnealingLR", "StepLR"}

// NewSchedule builds a schedule by name, with the keyword arguments of the torch or Hugging Face function it
// mirrors:
//
//   - "constant": no options (Hugging Face's get_constant_schedule).
//   - "linear": num_warmup_steps (default 0), num_training_steps (required): get_linear_schedule_with_warmup.
//   - "CosineAnnealingLR": T_max (required), eta_min (default 0).
//   - "StepLR": step_size (required), gamma (default 0.1).
//
// Values may be as encoding/json decodes them or Go-typed. It returns an error, listing what is valid, for an
// unknown name or option, a value of the wrong kind or an invalid value.
func NewSchedule(name string, args map[string]any) (Schedule, error) {
	canonical, ok := lookupName(name, ScheduleNames)
	if !ok {
		return nil, fmt.Errorf("training: unknown schedule %q; valid names are %s", name,
			strings.Join(ScheduleNames, ", "))
	}
	k := kwargs{what: fmt.Sprintf("NewSchedule(%q)", canonical), args: args}
	var s Schedule
	var err error
	switch canonical {
	case "constant":
		s, err = Constant{}, k.check(nil)
	case "linear":
		var l LinearWithWarmup
		err = firstError(k.check([]string{"num_warmup_steps", "num_training_steps"}),
			required(k, "num_training_steps"), k.int("num_warmup_steps", &l.WarmupSteps),
			k.int("num_training_steps", &l.TrainingSteps))
		s = l
	case "CosineAnnealingLR":
		var c CosineAnnealingLR
		err = firstError(k.check([]string{"T_max", "eta_min"}), required(k, "T_max"), k.int("T_max", &c.TMax),
			k.float("eta_min", &c.EtaMin))
		s = c
	case "StepLR":
		st := NewStepLR(0)
		err = firstError(k.check([]string{"step_size", "gamma"}), required(k, "step_size"),
			k.int("step_size", &st.StepSize), k.float("gamma", &st.Gamma))
		s = st
	}
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, k.errorf("%v", err)
	}
	return s, nil
}

// required returns an error if key is missing.
func required(k kwargs, key string) error {
	if !k.has(key) {
		return k.errorf("option %q is required", key)
	}
	return nil
}
