"""Reading a photo's mood: decoding (images, video), the three signals and their fusion (pipeline,
fusion; the models live in models/), and several photos or frames combined (aggregate)."""
