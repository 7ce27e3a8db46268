"""From a mood to songs: the catalog (catalog, genres), how well each song fits each mood
(mood_model, fitted by evaluation/mood_fit.py), what a list should feel like (targets), the ranking
(recommender) and Spotify's album art and fresher ids (spotify)."""
