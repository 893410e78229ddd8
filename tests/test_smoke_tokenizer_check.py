"""smoke's runner refuses a pipeline tokenizer that cannot carry the prompt (runner.check_tokenizers).

The fast tier replays what real tokenizers returned (recorded below); the full tier runs the real case end to end
(tests/test_smoke_frameworks.py::test_tokenizer_without_its_vocabulary_fails_at_load).

Recorded with transformers 5.25.0 (CPython 3.11, tokenizers 0.23.3): CLIPTokenizer.from_pretrained(folder) and
tok(prompt, add_special_tokens=False)["input_ids"] for
- a folder holding only tokenizer_config.json (vocab.json, merges.txt and tokenizer.json missing): len 2, unk
  '<|endoftext|>' id 2, every id 2 — no error, no warning; the same with HF_HUB_OFFLINE=1, an empty cache and
  from_pretrained("stabilityai/stable-diffusion-xl-base-1.0", subfolder="tokenizer");
- smoke --tiny's vocab.json + merges.txt (and the tokenizer.json transformers 5 saves from it): len 682, unk id 681,
  "a cat" -> [320, 589].
"""

import pytest

from ascendfix.smoke import runner

PROMPT = "a photo of an astronaut riding a horse on mars"


class RecordedTokenizer(object):
    def __init__(self, size, unk_id, ids, name="tok"):
        self.size, self.unk_token_id, self.ids, self.name_or_path = size, unk_id, ids, name
        self.unk_token = "<|endoftext|>"

    def __len__(self):
        return self.size

    def __call__(self, text, add_special_tokens=True):
        assert add_special_tokens is False
        return {"input_ids": list(self.ids)}


class Pipe(object):
    def __init__(self, tokenizer=None, tokenizer_2=None):
        self.tokenizer, self.tokenizer_2 = tokenizer, tokenizer_2


GOOD = RecordedTokenizer(682, 681, [320, 589])
BROKEN = RecordedTokenizer(2, 2, [2] * 37, name="/w/sdxl/tokenizer_2")


def test_good_tokenizers_pass():
    runner.check_tokenizers(Pipe(GOOD, GOOD), PROMPT)
    runner.check_tokenizers(Pipe(GOOD, None), PROMPT)  # SD 1.5: one tokenizer
    runner.check_tokenizers(Pipe(RecordedTokenizer(49408, 49407, []), None), "")  # an empty prompt says nothing


def test_every_word_unknown_is_refused_with_the_folder():
    with pytest.raises(runner.TokenizerCheckError) as e:
        runner.check_tokenizers(Pipe(GOOD, BROKEN), PROMPT)
    msg = str(e.value)
    assert msg.startswith("tokenizer_2 (RecordedTokenizer, 2 entries, from /w/sdxl/tokenizer_2) maps every word")
    assert "'<|endoftext|>' (id 2)" in msg and "vocab.json and merges.txt" in msg


def test_a_vocabulary_of_a_few_entries_is_refused_even_when_some_ids_are_known():
    with pytest.raises(runner.TokenizerCheckError) as e:
        runner.check_tokenizers(Pipe(RecordedTokenizer(40, 0, [5, 0, 7]), None), PROMPT)
    assert "a vocabulary of 40 entries" in str(e.value)
