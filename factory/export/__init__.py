"""Training-set exports of a run's accepted rows (`factory export`): the forms a training job reads
(`openai`, `hf`, `text`), chat-template rendering for `text`, and the dataset card."""
