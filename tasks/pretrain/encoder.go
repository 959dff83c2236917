package pretrain

import "github.com/lossbook/lossbook/lib/models"

// EncoderConfig returns the architecture of the run directory dir's encoder, the models.Transformer that
// LoadEncoder returns, reading only run.json (not the checkpoint): a fine-tuning task sizes its model and checks
// its own settings against it before it loads anything. It returns an error, naming the file, for a missing or
// corrupt run.json or a run of another task.
func EncoderConfig(dir string) (models.Transformer, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return models.Transformer{}, err
	}
	return cfg.model(), nil
}
