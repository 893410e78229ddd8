import sys
import torch
from diffusers import StableDiffusionXLPipeline
pipe = StableDiffusionXLPipeline.from_pretrained(sys.argv[1], torch_dtype=torch.float32, use_safetensors=True)
pipe.save_pretrained(sys.argv[2], variant="fp16")
print("saved")
