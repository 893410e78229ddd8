import sys, torch
from diffusers import StableDiffusionXLPipeline
pipe = StableDiffusionXLPipeline.from_pretrained(sys.argv[1], torch_dtype=torch.float32, use_safetensors=True)
pipe.enable_sequential_cpu_offload()
image = pipe("an astronaut riding a horse", num_inference_steps=2, height=64, width=64).images[0]
image.save("out.png")
print("saved out.png")
