"""Train a threatdetect model: `python train.py --config configs/NAME.yaml [--set key=value ...]`.

The same function runs behind `threatdetect train`.
"""

from threatdetect.cli.train_cmd import train_main

if __name__ == "__main__":
    train_main()
