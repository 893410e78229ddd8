"""Build a tiny random Stable Diffusion (XL) pipeline and save it like a real checkpoint.

Standalone on purpose: run it with a framework environment's interpreter, no ascendfix needed::

    python ascendfix/smoke/tiny.py OUT_DIR                          # mindone SDXL (MindSpore)
    python ascendfix/smoke/tiny.py OUT_DIR --builder diffusers       # diffusers SDXL (torch)
    python ascendfix/smoke/tiny.py OUT_DIR --builder diffusers --arch sd15

The folder gets what ``StableDiffusionXLPipeline.save_pretrained`` writes for the real model
(``model_index.json``, ``unet/``, ``vae/``, ``text_encoder/``, ``text_encoder_2/`` with projection,
``tokenizer/``, ``tokenizer_2/``, ``scheduler/``; weights as safetensors) at a few MB instead of 7 GB.
The CLIP tokenizers use a byte-level BPE vocabulary trained here on a small built-in corpus, so
nothing is fetched from a hub. Works with mindone 0.2.0 (MindSpore 2.7) and mindone 0.5.0
(MindSpore 2.10), and with diffusers + torch. Exit 0 and the folder path on stdout on success.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections import Counter

# Words the BPE merges are learned from (the recipes' prompts and common prompt words).
CORPUS = (
    "a cinematic photograph of an astronaut riding a horse in a futuristic desert stunning sunset "
    "lighting 8k resolution highly detailed photorealistic low quality bad anatomy worst quality "
    "blurry watermark text a red apple on a wooden table a cat sitting on a chair landscape mountains "
    "river forest portrait of a woman studio light city street at night"
)
N_MERGES = 300
TEXT_DIM = 32  # hidden size of both tiny text encoders; also the projection dim of the second one
ADD_TIME_DIM = 8  # SDXL micro-conditioning embedding size per value (6 values)


def bytes_to_unicode():
    """The byte -> printable unicode table of GPT-2/CLIP byte-level BPE."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def train_bpe(corpus=CORPUS, n_merges=N_MERGES):
    """A CLIP-style vocabulary (dict token -> id) and merge list learned from ``corpus``."""
    byte_chars = list(bytes_to_unicode().values())
    vocab = byte_chars + [c + "</w>" for c in byte_chars]
    b2u = bytes_to_unicode()
    words = Counter()
    for w in corpus.lower().split():
        chars = [b2u[b] for b in w.encode("utf-8")]
        chars[-1] = chars[-1] + "</w>"
        words[tuple(chars)] += 1
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        vocab.append(best[0] + best[1])
        new_words = Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] += c
        words = new_words
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {tok: i for i, tok in enumerate(vocab)}, merges


def write_tokenizer_files(folder):
    """vocab.json + merges.txt for transformers' CLIPTokenizer; returns the vocabulary size."""
    vocab, merges = train_bpe()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write("{} {}\n".format(a, b))
    return len(vocab)


def make_tokenizer(tmp, pad_token):
    from transformers import CLIPTokenizer

    src = os.path.join(tmp, "bpe")
    write_tokenizer_files(src)
    return CLIPTokenizer(
        os.path.join(src, "vocab.json"), os.path.join(src, "merges.txt"), pad_token=pad_token, model_max_length=77
    )


def text_config(vocab_size, eos_token_id, hidden_act):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        bos_token_id=vocab_size - 2,
        eos_token_id=eos_token_id,
        pad_token_id=1,
        hidden_size=TEXT_DIM,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=vocab_size,
        hidden_act=hidden_act,
        projection_dim=TEXT_DIM,
        max_position_embeddings=77,
    )


BUILDERS = ("mindone", "diffusers")  # a stack's `tiny` in rules/stacks.yaml names one


def components(builder, arch, tmp):
    """The pipeline class and its tiny random components for ``builder`` (mindone|diffusers)."""
    if builder == "mindone":
        import mindspore as ms

        ms.set_seed(0)
        from mindone.diffusers import (
            AutoencoderKL,
            EulerDiscreteScheduler,
            StableDiffusionPipeline,
            StableDiffusionXLPipeline,
            UNet2DConditionModel,
        )
        from mindone.transformers import CLIPTextModel, CLIPTextModelWithProjection
    else:
        import torch

        torch.manual_seed(0)
        from diffusers import (
            AutoencoderKL,
            EulerDiscreteScheduler,
            StableDiffusionPipeline,
            StableDiffusionXLPipeline,
            UNet2DConditionModel,
        )
        from transformers import CLIPTextModel, CLIPTextModelWithProjection

    xl = arch == "sdxl"
    unet_kwargs = dict(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=8,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=TEXT_DIM * (2 if xl else 1),
        attention_head_dim=(2, 4),
        norm_num_groups=8,
    )
    if xl:
        unet_kwargs.update(
            use_linear_projection=True,
            addition_embed_type="text_time",
            addition_time_embed_dim=ADD_TIME_DIM,
            transformer_layers_per_block=(1, 1),
            projection_class_embeddings_input_dim=6 * ADD_TIME_DIM + TEXT_DIM,
        )
    unet = UNet2DConditionModel(**unet_kwargs)
    # Four blocks: the latent is 1/8 of the image, as in the real SD/SDXL VAE.
    vae = AutoencoderKL(
        block_out_channels=[8, 8, 16, 16],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        latent_channels=4,
        norm_num_groups=8,
        sample_size=64,
        scaling_factor=0.13025 if xl else 0.18215,
        force_upcast=xl,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        steps_offset=1,
        beta_schedule="scaled_linear",
        timestep_spacing="leading",
    )
    tokenizer = make_tokenizer(tmp, pad_token="<|endoftext|>")
    vocab_size = len(tokenizer.get_vocab())
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    # as in stable-diffusion-xl-base-1.0: CLIP ViT-L (quick_gelu) and OpenCLIP bigG (gelu) text encoders
    text_encoder = CLIPTextModel(text_config(vocab_size, eos, "quick_gelu"))
    if not xl:
        return StableDiffusionPipeline, dict(
            unet=unet,
            vae=vae,
            scheduler=scheduler,
            text_encoder=text_encoder,
            tokenizer=tokenizer,
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
    # SDXL's second tokenizer pads with "!" (as stabilityai/stable-diffusion-xl-base-1.0 does).
    tokenizer_2 = make_tokenizer(tmp, pad_token="!")
    text_encoder_2 = CLIPTextModelWithProjection(text_config(vocab_size, eos, "gelu"))
    return StableDiffusionXLPipeline, dict(
        unet=unet,
        vae=vae,
        scheduler=scheduler,
        text_encoder=text_encoder,
        text_encoder_2=text_encoder_2,
        tokenizer=tokenizer,
        tokenizer_2=tokenizer_2,
    )


def build(out_dir, builder="mindone", arch="sdxl"):
    """Build the tiny pipeline and ``save_pretrained`` it (safetensors) into ``out_dir``."""
    tmp = tempfile.mkdtemp(prefix="ascendfix-tiny-")
    try:
        cls, parts = components(builder, arch, tmp)
        pipe = cls(**parts)
        pipe.save_pretrained(out_dir, safe_serialization=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", help="folder to write the pipeline into (created)")
    ap.add_argument("--builder", "--stack", dest="builder", choices=BUILDERS, default="mindone",
                    help="which framework's pipeline classes build it (--stack: the older name)")
    ap.add_argument("--arch", choices=["sdxl", "sd15"], default="sdxl")
    args = ap.parse_args(argv)
    if os.path.exists(os.path.join(args.out_dir, "model_index.json")):
        sys.stderr.write("tiny.py: {} already holds a pipeline\n".format(args.out_dir))
        return 2
    build(args.out_dir, args.builder, args.arch)
    print(os.path.abspath(args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
