import sys, torch
from diffusers import StableDiffusionXLPipeline
pipe = StableDiffusionXLPipeline.from_pretrained(sys.argv[1], torch_dtype=torch.float32, use_safetensors=True, device_map=sys.argv[2])
print(pipe.hf_device_map)
