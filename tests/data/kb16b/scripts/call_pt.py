import sys, json, torch
from diffusers import StableDiffusionXLPipeline
model = sys.argv[1]
call = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
pipe = StableDiffusionXLPipeline.from_pretrained(model, torch_dtype=torch.float32, use_safetensors=True)
if "prompt_embeds" in call:
    call["prompt_embeds"] = torch.randn(*call["prompt_embeds"])
if "pooled_prompt_embeds" in call:
    call["pooled_prompt_embeds"] = torch.randn(*call["pooled_prompt_embeds"])
call.setdefault("prompt", "A cinematic photograph of an astronaut riding a horse")
if call["prompt"] is None:
    del call["prompt"]
call.setdefault("num_inference_steps", 2); call.setdefault("height", 64); call.setdefault("width", 64)
image = pipe(**call).images[0]
image.save("out.png")
print("saved out.png")
