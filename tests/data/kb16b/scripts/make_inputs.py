"""Rebuild the edited tiny SDXL folders and LoRA files of the kb16b captures (run in the folder holding sdxl-pt and
sdxl-ms, made by ascendfix/smoke/tiny.py as in kb15a) with the torch environment's python."""
import json, os, shutil
import torch
from safetensors.torch import load_file, save_file


def copy(src, dst):
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)


for b in ("pt", "ms"):
    unet = "unet/diffusion_pytorch_model.safetensors"
    copy("sdxl-" + b, "sdxl-%s-trunc" % b)
    os.truncate("sdxl-%s-trunc/%s" % (b, unet), 2000000)
    copy("sdxl-" + b, "sdxl-%s-tetrunc" % b)
    os.truncate("sdxl-%s-tetrunc/text_encoder/model.safetensors" % b, 60000)
    copy("sdxl-" + b, "sdxl-%s-badheader" % b)
    with open("sdxl-%s-badheader/%s" % (b, unet), "r+b") as f:
        f.write(b"\xff\xff\xff\xff\xff\xff\x00\x00")
    copy("sdxl-" + b, "sdxl-%s-notok" % b)
    os.remove("sdxl-%s-notok/tokenizer/%s" % (b, "tokenizer.json" if b == "pt" else "merges.txt"))
    copy("sdxl-" + b, "sdxl-%s-novaecfg" % b)
    os.remove("sdxl-%s-novaecfg/vae/config.json" % b)
    copy("sdxl-" + b, "sdxl-%s-nosched" % b)
    shutil.rmtree("sdxl-%s-nosched/scheduler" % b)
    copy("sdxl-" + b, "sdxl-%s-shard" % b)
    d = "sdxl-%s-shard/unet/" % b
    sd = load_file(d + "diffusion_pytorch_model.safetensors")
    os.remove(d + "diffusion_pytorch_model.safetensors")
    keys = sorted(sd)
    half = len(keys) // 2
    names = ["diffusion_pytorch_model-00001-of-00002.safetensors", "diffusion_pytorch_model-00002-of-00002.safetensors"]
    save_file({k: sd[k] for k in keys[:half]}, d + names[0])  # the second shard is never written
    wm = {k: names[0] if i < half else names[1] for i, k in enumerate(keys)}
    total = sum(v.numel() * v.element_size() for v in sd.values())
    json.dump({"metadata": {"total_size": total}, "weight_map": wm},
              open(d + "diffusion_pytorch_model.safetensors.index.json", "w"), indent=1)

copy("sdxl-pt", "sdxl-pt-binonly")
d = "sdxl-pt-binonly/unet/"
torch.save(load_file(d + "diffusion_pytorch_model.safetensors"), d + "diffusion_pytorch_model.bin")
os.remove(d + "diffusion_pytorch_model.safetensors")

# a LoRA in peft naming whose down matrices are as wide as real SDXL's text embeddings (2048): size mismatch here
sd = load_file("sdxl-pt/unet/diffusion_pytorch_model.safetensors")
lora = {}
for k in sd:
    if k.endswith("attn2.to_k.weight") or k.endswith("attn2.to_v.weight"):
        base = "unet." + k[: -len(".weight")]
        lora[base + ".lora_A.weight"] = torch.randn(4, 2048) * 0.01
        lora[base + ".lora_B.weight"] = torch.zeros(sd[k].shape[0], 4)
save_file(lora, "lora_sdxl_fullsize.safetensors")
# a kohya-style LoRA whose only module does not exist in the tiny SDXL unet
save_file({"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight": torch.randn(4, 320),
           "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight": torch.zeros(320, 4),
           "lora_unet_down_blocks_0_attentions_0_proj_in.alpha": torch.tensor(4.0)}, "lora_sd15_kohya.safetensors")
