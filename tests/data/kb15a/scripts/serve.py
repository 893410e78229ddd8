from fastapi import FastAPI
import uvicorn
app = FastAPI()
@app.post("/generate")
async def generate_image(prompt: str, seed: int = 42):
    return {"prompt": prompt, "seed": seed}
if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=18765)
