import sys
from transformers import CLIPTokenizer
tok = CLIPTokenizer.from_pretrained(sys.argv[1], subfolder="tokenizer")
print(tok("an astronaut"))
